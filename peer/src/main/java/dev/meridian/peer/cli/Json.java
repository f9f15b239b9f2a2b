package dev.meridian.peer.cli;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;
import java.io.StringReader;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * JSON text for the command line: strict parsing of what the user typed, with a short reason when
 * it is not JSON, and printing of what the peer returned. Numbers keep their exact digits.
 */
final class Json {
  private static final Gson PRETTY =
      new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().serializeNulls().create();
  private static final Gson COMPACT =
      new GsonBuilder().disableHtmlEscaping().serializeNulls().create();

  /** Gson's position suffix: " at line L column C path $..." (the path is dropped). */
  private static final Pattern POSITION = Pattern.compile(" at line (\\d+) column (\\d+)( path .*)?$");

  private Json() {}

  /**
   * Parses {@code text} as exactly one JSON value (RFC 8259: no comments, no single quotes, no
   * unquoted strings, nothing after the value).
   *
   * @throws InvalidJsonException with a short reason if {@code text} is not that
   */
  static JsonElement parseStrict(String text) throws InvalidJsonException {
    if (text.isBlank()) {
      throw new InvalidJsonException("no value (use '\"\"' for an empty string, or null)");
    }
    try {
      JsonReader reader = new JsonReader(new StringReader(text));
      reader.setStrictness(Strictness.STRICT);
      JsonElement value = JsonParser.parseReader(reader);
      if (reader.peek() != JsonToken.END_DOCUMENT) {
        throw new InvalidJsonException("unexpected text after the value");
      }
      return value;
    } catch (JsonParseException | IOException | IllegalStateException e) {
      throw new InvalidJsonException(reason(e));
    }
  }

  /** {@code text} as a JSON string literal, e.g. {@code "Ada"}. */
  static String quote(String text) {
    return COMPACT.toJson(text);
  }

  /**
   * The peer's JSON text, pretty-printed or on one line; {@code json} as it is if it does not
   * parse.
   */
  static String format(String json, boolean compact) {
    JsonElement e;
    try {
      e = JsonParser.parseString(json);
    } catch (JsonParseException ex) {
      return json;
    }
    return (compact ? COMPACT : PRETTY).toJson(e);
  }

  /** {@code e} on one line. */
  static String compact(JsonElement e) {
    return COMPACT.toJson(e);
  }

  /** {@code e} pretty-printed. */
  static String pretty(JsonElement e) {
    return PRETTY.toJson(e);
  }

  /**
   * Gson's message made short: no advice on lenient parsing, no troubleshooting link, no JSON
   * path, and the position as "at column N" for one-line input.
   */
  static String reason(Exception e) {
    Throwable t = e;
    while (t instanceof JsonParseException && t.getCause() != null) {
      t = t.getCause();
    }
    String m = t.getMessage();
    if (m == null || m.isBlank()) {
      return "not JSON";
    }
    int see = m.indexOf("\nSee ");
    if (see >= 0) {
      m = m.substring(0, see);
    }
    m = m.replace("Use JsonReader.setStrictness(Strictness.LENIENT) to accept malformed JSON",
            "unexpected character")
        .replace("End of input", "unexpected end of input");
    Matcher at = POSITION.matcher(m);
    if (at.find()) {
      String where = at.group(1).equals("1")
          ? " at column " + at.group(2)
          : " at line " + at.group(1) + " column " + at.group(2);
      m = m.substring(0, at.start()) + where;
    }
    m = m.strip();
    return m.isEmpty() ? m : Character.toLowerCase(m.charAt(0)) + m.substring(1);
  }

  /** Text that is not one strict JSON value; the message says why. */
  static final class InvalidJsonException extends Exception {
    private static final long serialVersionUID = 1L;

    InvalidJsonException(String reason) {
      super(reason);
    }
  }
}
