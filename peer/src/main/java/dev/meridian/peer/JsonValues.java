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
 * Strict RFC 8259: no comments, no single quotes, no trailing data. Bounded: a value of at most
 * {@link #MAX_TEXT_CHARS} characters (so no string in it is longer), nested at most 64 deep,
 * numbers of at most {@link #MAX_NUMBER_CHARS} characters. Every error message is ours.
 */
final class JsonValues {
  private static final Gson GSON = new GsonBuilder().serializeNulls().disableHtmlEscaping().create();
  private static final int MAX_DEPTH = 64;
  /** Longest JSON text accepted for one value, in characters (1 MiB). */
  static final int MAX_TEXT_CHARS = 1 << 20;
  /** Longest number literal accepted, in characters. */
  static final int MAX_NUMBER_CHARS = 64;

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
    if (text.length() > MAX_TEXT_CHARS) {
      throw new IllegalArgumentException(String.format(java.util.Locale.ROOT,
          "JSON value of %,d characters; at most %,d are accepted", text.length(),
          MAX_TEXT_CHARS));
    }
    JsonReader r = new JsonReader(new StringReader(text));
    try {
      r.setStrictness(Strictness.STRICT);
      Object v = read(r, 0);
      if (r.peek() != JsonToken.END_DOCUMENT) {
        throw new IllegalArgumentException("invalid JSON " + shorten(text)
            + ": more after the value" + where(r));
      }
      return v;
    } catch (IOException | JsonParseException | IllegalStateException | NumberFormatException e) {
      // The JSON library's own messages name its API and settings; ours say what and where.
      String hint = text.trim().matches("[A-Za-z][^\"{}\\[\\]]*")
          && !text.trim().matches("true|false|null") ? " (a string needs quotes: \"" + text.trim() + "\")" : "";
      String what = e instanceof java.io.EOFException ? "it ends before the value is complete"
          : "not valid JSON";
      throw new IllegalArgumentException("invalid JSON " + shorten(text) + ": " + what + where(r)
          + hint + " (strict JSON, RFC 8259: double quotes, no comments, no trailing commas)", e);
    }
  }

  /** " at $.path" for messages: where the reader stopped. */
  private static String where(JsonReader r) {
    String path = r.getPath();
    return path == null || path.equals("$") ? "" : " at " + path;
  }

  private static Object read(JsonReader r, int depth) throws IOException {
    if (depth > MAX_DEPTH) {
      throw new IllegalArgumentException("JSON nested deeper than " + MAX_DEPTH + where(r));
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
        if (n.length() > MAX_NUMBER_CHARS) {
          // BigDecimal's work grows faster than the literal: refuse before parsing.
          throw new IllegalArgumentException(String.format(java.util.Locale.ROOT,
              "number of %,d characters%s; at most %d are accepted (send a longer one as a "
                  + "string)", n.length(), where(r), MAX_NUMBER_CHARS));
        }
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
