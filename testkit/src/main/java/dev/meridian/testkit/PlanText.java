package dev.meridian.testkit;

import com.google.errorprone.annotations.FormatMethod;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** Parses the {@code key=value key=value} text that plans print, for replays. */
final class PlanText {
  private PlanText() {}

  @SuppressWarnings("StringSplitter") // a trimmed text has no empty parts at its ends to drop
  static Map<String, String> parse(String text, Set<String> keys) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String part : text.trim().split("\\s+")) {
      int eq = part.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("expected key=value, got '" + part + "' in: " + text);
      }
      String key = part.substring(0, eq);
      if (!keys.contains(key)) {
        throw new IllegalArgumentException("unknown key '" + key + "' (known: " + keys + ") in: " + text);
      }
      out.put(key, part.substring(eq + 1));
    }
    if (!out.keySet().equals(keys)) {
      throw new IllegalArgumentException("expected keys " + keys + " in: " + text);
    }
    return out;
  }

  static int intValue(Map<String, String> m, String key) {
    try {
      return Integer.parseInt(m.get(key));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("bad number for " + key + ": " + m.get(key), e);
    }
  }

  static long longValue(Map<String, String> m, String key) {
    try {
      return Long.parseLong(m.get(key));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("bad number for " + key + ": " + m.get(key), e);
    }
  }

  @FormatMethod
  static void check(boolean ok, String format, Object... args) {
    if (!ok) {
      throw new IllegalArgumentException(String.format(format, args));
    }
  }
}
