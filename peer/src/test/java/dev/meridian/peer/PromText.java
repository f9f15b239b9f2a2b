package dev.meridian.peer;

import java.util.Map;
import java.util.OptionalDouble;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads series out of the Prometheus text exposition format, whatever the order of their labels,
 * for tests: a series is a metric name and its set of labels.
 */
public final class PromText {
  private static final Pattern SERIES = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)\\})? (\\S+)");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\",?");

  private PromText() {}

  /**
   * The value of the series {@code name} whose labels are exactly {@code labels} (name, value,
   * name, value...), or empty if the text has no such series.
   */
  public static OptionalDouble value(String text, String name, String... labels) {
    Map<String, String> want = new TreeMap<>();
    for (int i = 0; i < labels.length; i += 2) {
      want.put(labels[i], labels[i + 1]);
    }
    for (String line : text.split("\n")) {
      if (line.startsWith("#") || line.isBlank()) {
        continue;
      }
      Matcher m = SERIES.matcher(line);
      if (!m.matches()) {
        throw new IllegalArgumentException("not a series line: " + line);
      }
      if (m.group(1).equals(name) && labels(m.group(3)).equals(want)) {
        return OptionalDouble.of(Double.parseDouble(m.group(4)));
      }
    }
    return OptionalDouble.empty();
  }

  /** True if the text declares {@code name} of {@code type} ({@code # TYPE name type}). */
  public static boolean hasType(String text, String name, String type) {
    return text.contains("\n# TYPE " + name + " " + type + "\n")
        || text.startsWith("# TYPE " + name + " " + type + "\n");
  }

  /** True if the text holds a series of {@code name} with label {@code label} = {@code value}. */
  public static boolean hasSeriesWith(String text, String name, String label, String value) {
    for (String line : text.split("\n")) {
      Matcher m = SERIES.matcher(line);
      if (!line.startsWith("#") && m.matches() && m.group(1).equals(name)
          && value.equals(labels(m.group(3)).get(label))) {
        return true;
      }
    }
    return false;
  }

  private static Map<String, String> labels(String inside) {
    Map<String, String> out = new TreeMap<>();
    if (inside == null || inside.isEmpty()) {
      return out;
    }
    Matcher l = LABEL.matcher(inside);
    int at = 0;
    while (l.find() && l.start() == at) {
      out.put(l.group(1), l.group(2).replace("\\\"", "\"").replace("\\n", "\n")
          .replace("\\\\", "\\"));
      at = l.end();
    }
    if (at != inside.length()) {
      throw new IllegalArgumentException("bad labels: {" + inside + "}");
    }
    return out;
  }
}
