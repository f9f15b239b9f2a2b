package dev.meridian.peer;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;
import java.io.StringReader;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * JSON text to the values {@code Document} takes, and back: integers become {@code Long} (exact;
 * one outside the 64-bit range is refused rather than rounded), numbers with a fraction or an
 * exponent finite {@code Double}, objects ordered maps, arrays lists.
 * Strict RFC 8259: no comments, no single quotes, no trailing data.
 */
final class JsonValues {
  private static final Gson GSON = new GsonBuilder().serializeNulls().disableHtmlEscaping().create();
  private static final int MAX_DEPTH = 64;

  private JsonValues() {}

  /**
   * Parses one JSON value.
   *
   * @throws IllegalArgumentException saying what is wrong and where
   */
  static Object parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("empty JSON value (a string needs quotes: \"Ada\")");
    }
    try (JsonReader r = new JsonReader(new StringReader(text))) {
      r.setStrictness(Strictness.STRICT);
      Object v = read(r, 0);
      if (r.peek() != JsonToken.END_DOCUMENT) {
        throw new IllegalArgumentException("invalid JSON: trailing data after the value in " + shorten(text));
      }
      return v;
    } catch (IOException | JsonParseException | IllegalStateException e) {
      String hint = text.trim().matches("[A-Za-z][^\"{}\\[\\]]*")
          && !text.trim().matches("true|false|null") ? " (a string needs quotes: \"" + text.trim() + "\")" : "";
      throw new IllegalArgumentException("invalid JSON " + shorten(text) + ": " + e.getMessage() + hint, e);
    }
  }

  private static Object read(JsonReader r, int depth) throws IOException {
    if (depth > MAX_DEPTH) {
      throw new IllegalArgumentException("JSON nested deeper than " + MAX_DEPTH);
    }
    switch (r.peek()) {
      case BEGIN_OBJECT: {
        Map<String, Object> m = new LinkedHashMap<>();
        r.beginObject();
        while (r.hasNext()) {
          String name = r.nextName();
          if (m.put(name, read(r, depth + 1)) != null) {
            throw new IllegalArgumentException("JSON object has the key \"" + name + "\" twice");
          }
        }
        r.endObject();
        return m;
      }
      case BEGIN_ARRAY: {
        List<Object> l = new ArrayList<>();
        r.beginArray();
        while (r.hasNext()) {
          l.add(read(r, depth + 1));
        }
        r.endArray();
        return l;
      }
      case STRING:
        return r.nextString();
      case BOOLEAN:
        return r.nextBoolean();
      case NULL:
        r.nextNull();
        return null;
      case NUMBER: {
        String n = r.nextString();
        BigDecimal d = new BigDecimal(n);
        if (!n.contains(".") && !n.contains("e") && !n.contains("E")) {
          try {
            return d.longValueExact();
          } catch (ArithmeticException tooBig) {
            // A double would silently change the value: refuse rather than store another number.
            throw new IllegalArgumentException("integer " + abbreviate(n)
                + " is outside the 64-bit range (-2^63 to 2^63-1); send it as a string");
          }
        }
        double v = d.doubleValue();
        if (!Double.isFinite(v)) {
          throw new IllegalArgumentException("number out of range: " + n);
        }
        return v;
      }
      default:
        throw new IllegalArgumentException("unexpected " + r.peek() + " in JSON");
    }
  }

  /** A JSON rendering of a value {@code Document.get} returns. */
  static String write(Object value) {
    return GSON.toJson(value);
  }

  private static String shorten(String text) {
    String t = text.length() > 60 ? text.substring(0, 57) + "..." : text;
    return "'" + t + "'";
  }

  /** {@code n}, cut to 40 characters for a message. */
  private static String abbreviate(String n) {
    return n.length() <= 40 ? n : n.substring(0, 37) + "...";
  }
}
