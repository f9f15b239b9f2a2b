package dev.meridian.peer.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.meridian.peer.proto.AddElement;
import dev.meridian.peer.proto.Disable;
import dev.meridian.peer.proto.Enable;
import dev.meridian.peer.proto.Increment;
import dev.meridian.peer.proto.ListDelete;
import dev.meridian.peer.proto.ListInsert;
import dev.meridian.peer.proto.Operation;
import dev.meridian.peer.proto.RemoveElement;
import dev.meridian.peer.proto.RemoveKey;
import dev.meridian.peer.proto.TextDelete;
import dev.meridian.peer.proto.TextInsert;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The operation syntax of {@code meridian update}: a sequence of words, each operation a name
 * followed by its arguments, turned into {@link Operation} messages in the same order.
 *
 * <pre>
 * set PATH JSON                  write a scalar, or an object (replaces the map at PATH)
 * incr PATH [N]                  add N (default 1, may be negative) to a counter
 * add PATH JSON                  add a scalar to a set
 * remove-element PATH JSON       remove a scalar from a set
 * enable PATH | disable PATH     turn a flag on or off
 * remove PATH                    remove the value at PATH, whatever its type
 * insert PATH INDEX JSON         insert a scalar or object into a list at INDEX
 * delete-range PATH INDEX COUNT  remove COUNT list elements from INDEX
 * insert-text PATH INDEX TEXT    insert TEXT (taken as is, not JSON) into a text at INDEX
 * delete-text PATH INDEX COUNT   remove COUNT characters (UTF-16 units) from INDEX
 * </pre>
 *
 * <p>Paths are dot-separated keys with {@code [n]} for list positions ({@code todos[0].title}),
 * checked by the peer. What can be checked here is: the operation names, the number of arguments,
 * integers (INDEX and COUNT non-negative 32-bit, N 64-bit), and JSON values (strict RFC 8259, of a
 * shape the operation takes).
 */
final class OperationSyntax {
  /** One operation word: its name, its arguments, and what it does (for help and errors). */
  enum Word {
    SET("set", "PATH JSON", "write a JSON scalar, or an object (replaces the map at PATH)"),
    INCR("incr", "PATH [N]", "add N (default 1, may be negative) to a counter"),
    ADD("add", "PATH JSON", "add a JSON scalar to a set"),
    REMOVE_ELEMENT("remove-element", "PATH JSON", "remove a JSON scalar from a set"),
    ENABLE("enable", "PATH", "turn a flag on"),
    DISABLE("disable", "PATH", "turn a flag off"),
    REMOVE("remove", "PATH", "remove the value at PATH, whatever its type"),
    INSERT("insert", "PATH INDEX JSON", "insert a JSON scalar or object into a list"),
    DELETE_RANGE("delete-range", "PATH INDEX COUNT", "remove COUNT elements of a list"),
    INSERT_TEXT("insert-text", "PATH INDEX TEXT", "insert TEXT (as is, not JSON) into a text"),
    DELETE_TEXT("delete-text", "PATH INDEX COUNT", "remove COUNT characters of a text");

    final String name;
    final String args;
    final String summary;

    Word(String name, String args, String summary) {
      this.name = name;
      this.args = args;
      this.summary = summary;
    }

    /** {@code name args}, e.g. {@code set PATH JSON}. */
    String synopsis() {
      return name + " " + args;
    }
  }

  private static final Map<String, Word> WORDS =
      Arrays.stream(Word.values()).collect(Collectors.toMap(w -> w.name, w -> w));

  /** What a JSON value of an operation may be. */
  private enum Shape {
    SCALAR("a JSON scalar (string, number, boolean or null)"),
    SCALAR_OR_OBJECT("a JSON scalar or object");

    final String description;

    Shape(String description) {
      this.description = description;
    }
  }

  private final List<String> words;
  private int next;

  private OperationSyntax(List<String> words) {
    this.words = words;
  }

  /** The operation names, comma-separated, for error messages. */
  static String names() {
    return Arrays.stream(Word.values()).map(w -> w.name).collect(Collectors.joining(", "));
  }

  /**
   * Parses {@code words} into operations, in order.
   *
   * @throws OperationSyntaxException naming the first word that is wrong and why
   */
  static List<Operation> parse(List<String> words) throws OperationSyntaxException {
    return new OperationSyntax(List.copyOf(words)).operations();
  }

  /**
   * One {@code set} per top-level field of the JSON object {@code json}, in the object's order.
   *
   * @throws OperationSyntaxException if {@code json} is not a JSON object, a field name is not a
   *     plain key (empty, or with {@code .}, {@code [} or {@code ]}), or a value is an array
   */
  static List<Operation> setFields(String json) throws OperationSyntaxException {
    JsonElement e;
    try {
      e = Json.parseStrict(json);
    } catch (Json.InvalidJsonException ex) {
      throw new OperationSyntaxException("invalid JSON for --json: " + ex.getMessage());
    }
    if (!e.isJsonObject()) {
      throw new OperationSyntaxException("--json takes a JSON object, e.g. '{\"name\": \"Ada\"}'");
    }
    List<Operation> ops = new ArrayList<>();
    for (Map.Entry<String, JsonElement> f : ((JsonObject) e).entrySet()) {
      String key = f.getKey();
      if (key.isEmpty() || key.contains(".") || key.contains("[") || key.contains("]")) {
        throw new OperationSyntaxException("--json field '" + key
            + "' is not a plain key; use set PATH JSON for nested paths");
      }
      if (f.getValue().isJsonArray()) {
        throw new OperationSyntaxException("--json field '" + key + "': "
            + arrayAdvice("set"));
      }
      ops.add(Operation.newBuilder().setSet(dev.meridian.peer.proto.Set.newBuilder()
          .setPath(key).setValueJson(Json.compact(f.getValue()))).build());
    }
    return ops;
  }

  private List<Operation> operations() throws OperationSyntaxException {
    List<Operation> ops = new ArrayList<>();
    while (next < words.size()) {
      ops.add(operation());
    }
    return ops;
  }

  private Operation operation() throws OperationSyntaxException {
    String name = words.get(next++);
    Word word = WORDS.get(name);
    if (word == null) {
      throw new OperationSyntaxException(
          "unknown operation '" + name + "'; valid operations: " + names());
    }
    String path = arg(word, "PATH");
    try {
      dev.meridian.crdt.doc.Path.parse(path); // the syntax the peer checks too, caught here first
    } catch (IllegalArgumentException e) {
      throw new OperationSyntaxException(
          "invalid PATH for " + word.name + ": '" + path + "': " + e.getMessage());
    }
    Operation.Builder op = Operation.newBuilder();
    switch (word) {
      case SET:
        return op.setSet(dev.meridian.peer.proto.Set.newBuilder().setPath(path)
            .setValueJson(json(word, path, Shape.SCALAR_OR_OBJECT))).build();
      case INCR:
        return op.setIncrement(Increment.newBuilder().setPath(path).setAmount(amount(path)))
            .build();
      case ADD:
        return op.setAdd(AddElement.newBuilder().setPath(path)
            .setElementJson(json(word, path, Shape.SCALAR))).build();
      case REMOVE_ELEMENT:
        return op.setRemoveElement(RemoveElement.newBuilder().setPath(path)
            .setElementJson(json(word, path, Shape.SCALAR))).build();
      case ENABLE:
        return op.setEnable(Enable.newBuilder().setPath(path)).build();
      case DISABLE:
        return op.setDisable(Disable.newBuilder().setPath(path)).build();
      case REMOVE:
        return op.setRemove(RemoveKey.newBuilder().setPath(path)).build();
      case INSERT: {
        int index = natural(word, path, "INDEX");
        return op.setListInsert(ListInsert.newBuilder().setPath(path).setIndex(index)
            .setValueJson(json(word, path, Shape.SCALAR_OR_OBJECT))).build();
      }
      case DELETE_RANGE: {
        int index = natural(word, path, "INDEX");
        int count = natural(word, path, "COUNT");
        return op.setListDelete(ListDelete.newBuilder().setPath(path).setIndex(index)
            .setCount(count)).build();
      }
      case INSERT_TEXT: {
        int index = natural(word, path, "INDEX");
        String text = arg(word, "TEXT");
        return op.setTextInsert(TextInsert.newBuilder().setPath(path).setIndex(index)
            .setText(text)).build();
      }
      case DELETE_TEXT: {
        int index = natural(word, path, "INDEX");
        int count = natural(word, path, "COUNT");
        return op.setTextDelete(TextDelete.newBuilder().setPath(path).setIndex(index)
            .setCount(count)).build();
      }
      default:
        throw new AssertionError(word);
    }
  }

  /** The next word, which must be there: argument {@code label} of {@code word}. */
  private String arg(Word word, String label) throws OperationSyntaxException {
    if (next >= words.size()) {
      throw new OperationSyntaxException(
          "missing " + label + " for " + word.name + " (usage: " + word.synopsis() + ")");
    }
    return words.get(next++);
  }

  /** The optional amount of {@code incr}: the next word unless it is an operation name. */
  private long amount(String path) throws OperationSyntaxException {
    if (next >= words.size() || WORDS.containsKey(words.get(next))) {
      return 1;
    }
    String s = words.get(next++);
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      throw new OperationSyntaxException("invalid N for incr " + path + ": '" + s
          + "' is not a 64-bit integer (usage: " + Word.INCR.synopsis() + ")");
    }
  }

  /** The next word as an int from 0 to {@link Integer#MAX_VALUE}. */
  private int natural(Word word, String path, String label) throws OperationSyntaxException {
    String s = arg(word, label);
    try {
      int n = Integer.parseInt(s);
      if (n >= 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // Reported below.
    }
    throw new OperationSyntaxException("invalid " + label + " for " + word.name + " " + path
        + ": '" + s + "' is not an integer from 0 to " + Integer.MAX_VALUE
        + " (usage: " + word.synopsis() + ")");
  }

  /** The next word as JSON of {@code shape}; returned as typed. */
  private String json(Word word, String path, Shape shape) throws OperationSyntaxException {
    String text = arg(word, "JSON");
    JsonElement e;
    try {
      e = Json.parseStrict(text);
    } catch (Json.InvalidJsonException ex) {
      StringBuilder m = new StringBuilder("invalid JSON for ").append(word.name).append(' ')
          .append(path).append(": ").append(ex.getMessage());
      String hint = stringHint(text);
      if (hint != null) {
        m.append("; ").append(hint);
      }
      throw new OperationSyntaxException(m.toString());
    }
    boolean ok = shape == Shape.SCALAR
        ? e.isJsonPrimitive() || e.isJsonNull()
        : !e.isJsonArray();
    if (!ok) {
      String advice = e.isJsonArray() ? arrayAdvice(word.name) : "";
      throw new OperationSyntaxException("invalid value for " + word.name + " " + path + ": "
          + word.name + " takes " + shape.description + (advice.isEmpty() ? "" : "; " + advice));
    }
    return text;
  }

  /**
   * Advice for text that is not JSON but looks meant as a string: {@code use '"Ada"' for a
   * string} (shell quoting included), or null if it does not look like that.
   */
  static String stringHint(String text) {
    String t = text.strip();
    if (t.isEmpty() || "{[\"".indexOf(t.charAt(0)) >= 0) {
      return null;
    }
    if (t.length() >= 2 && t.startsWith("'") && t.endsWith("'")) {
      t = t.substring(1, t.length() - 1);
      if (t.indexOf('\'') < 0) {
        return "JSON strings take double quotes: use '" + Json.quote(t) + "'";
      }
    }
    return text.indexOf('\'') < 0 ? "use '" + Json.quote(text) + "' for a string" : null;
  }

  private static String arrayAdvice(String name) {
    return name.equals("set")
        ? "a JSON array cannot be set; build a list with insert, a set with add"
        : "give one element per " + name;
  }

  /** Operation words that do not parse; the message says which and why. */
  static final class OperationSyntaxException extends Exception {
    private static final long serialVersionUID = 1L;

    OperationSyntaxException(String message) {
      super(message);
    }
  }
}
