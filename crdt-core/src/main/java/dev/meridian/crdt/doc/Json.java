package dev.meridian.crdt.doc;

import static dev.meridian.crdt.Preconditions.requireArgument;

import java.util.Collection;
import java.util.Map;

/** Minimal deterministic JSON output (and string-literal parsing for paths). */
final class Json {
  private Json() {}

  /** Writes maps (keys in their iteration order; callers pass sorted maps), collections and scalars. */
  static void write(Object v, StringBuilder out) {
    if (v == null) {
      out.append("null");
    } else if (v instanceof String string) {
      out.append(quote(string));
    } else if (v instanceof Map) {
      out.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
        if (!first) {
          out.append(',');
        }
        first = false;
        out.append(quote(String.valueOf(e.getKey()))).append(':');
        write(e.getValue(), out);
      }
      out.append('}');
    } else if (v instanceof Collection) {
      out.append('[');
      boolean first = true;
      for (Object o : (Collection<?>) v) {
        if (!first) {
          out.append(',');
        }
        first = false;
        write(o, out);
      }
      out.append(']');
    } else {
      out.append(v); // Boolean, Long, finite Double
    }
  }

  static String quote(String s) {
    StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.append('"').toString();
  }

  /** Parses a JSON string literal starting at {@code start} (a quote); end[0] = index after it. */
  static String unquote(String text, int start, int[] end) {
    StringBuilder sb = new StringBuilder();
    int i = start + 1;
    while (i < text.length()) {
      char c = text.charAt(i);
      if (c == '"') {
        end[0] = i + 1;
        return sb.toString();
      }
      if (c == '\\') {
        requireArgument(i + 1 < text.length(), "unterminated escape in '%s'", text);
        char e = text.charAt(i + 1);
        switch (e) {
          case '"', '\\', '/' -> sb.append(e);
          case 'n' -> sb.append('\n');
          case 'r' -> sb.append('\r');
          case 't' -> sb.append('\t');
          case 'b' -> sb.append('\b');
          case 'f' -> sb.append('\f');
          case 'u' -> {
            requireArgument(i + 5 < text.length(), "bad \\u escape in '%s'", text);
            try {
              sb.append((char) Integer.parseInt(text.substring(i + 2, i + 6), 16));
            } catch (NumberFormatException ex) {
              throw new IllegalArgumentException("bad \\u escape in '" + text + "'", ex);
            }
            i += 4;
          }
          default -> throw new IllegalArgumentException("bad escape \\" + e + " in '" + text + "'");
        }
        i += 2;
      } else {
        sb.append(c);
        i++;
      }
    }
    throw new IllegalArgumentException("unterminated string in '" + text + "'");
  }
}
