package dev.meridian.crdt.doc;

import static dev.meridian.crdt.Preconditions.requireArgument;

import com.google.common.collect.ImmutableList;
import java.util.ArrayList;
import java.util.List;

/**
 * A parsed document path: a list of segments, each a key name or a list index.
 *
 * <p>Syntax: names separated by dots ({@code profile.address.city}); a name may also be written in
 * brackets as a JSON string, which allows any character ({@code tags["a.b"]}); an index is a
 * non-negative integer in brackets ({@code todos[3].done}). Plain names may not contain {@code . [ ]
 * "} or be empty.
 */
public final class Path {
  /** One step of a path. */
  public sealed interface Segment permits Key, Index {}

  /**
   * A map key.
   *
   * @param name the key's name
   */
  public record Key(String name) implements Segment {
    @Override
    public String toString() {
      return isPlain(name) ? name : "[" + Json.quote(name) + "]";
    }
  }

  /**
   * A list position.
   *
   * @param index zero-based
   */
  public record Index(int index) implements Segment {
    @Override
    public String toString() {
      return "[" + index + "]";
    }
  }

  private final ImmutableList<Segment> segments;

  private Path(ImmutableList<Segment> segments) {
    this.segments = segments;
  }

  /** A path of key names. */
  public static Path ofKeys(List<String> names) {
    requireArgument(!names.isEmpty(), "path must not be empty");
    ImmutableList.Builder<Segment> b = ImmutableList.builder();
    for (String n : names) {
      b.add(new Key(n));
    }
    return new Path(b.build());
  }

  /**
   * Parses a path.
   *
   * @throws IllegalArgumentException with the position of the error if {@code text} is not a path
   */
  public static Path parse(String text) {
    requireArgument(text != null && !text.isEmpty(), "path must not be empty");
    List<Segment> out = new ArrayList<>();
    int i = 0;
    int n = text.length();
    boolean expectName = true;
    while (i < n) {
      char c = text.charAt(i);
      if (c == '[') {
        int close;
        if (i + 1 < n && text.charAt(i + 1) == '"') {
          int[] end = {0};
          String name = Json.unquote(text, i + 1, end);
          close = end[0];
          requireArgument(close < n && text.charAt(close) == ']', "expected ']' at %s in path '%s'", close, text);
          out.add(new Key(name));
        } else {
          close = text.indexOf(']', i);
          requireArgument(close > i + 1, "expected an index or a quoted name at %s in path '%s'", i + 1, text);
          String digits = text.substring(i + 1, close);
          requireArgument(isDigits(digits) && digits.length() <= 9,
              "bad list index '%s' in path '%s'", digits, text);
          out.add(new Index(Integer.parseInt(digits)));
        }
        i = close + 1;
        expectName = false;
      } else if (c == '.') {
        requireArgument(!out.isEmpty() && !expectName, "empty name at %s in path '%s'", i, text);
        i++;
        expectName = true;
        requireArgument(i < n, "path '%s' ends with '.'", text);
      } else {
        requireArgument(expectName, "expected '.' or '[' at %s in path '%s'", i, text);
        int j = i;
        while (j < n && "[].\"".indexOf(text.charAt(j)) < 0) {
          j++;
        }
        requireArgument(j > i, "unexpected '%s' at %s in path '%s'", text.charAt(i), i, text);
        out.add(new Key(text.substring(i, j)));
        i = j;
        expectName = false;
      }
    }
    return new Path(ImmutableList.copyOf(out));
  }

  /** The segments, first to last. */
  public ImmutableList<Segment> segments() {
    return segments;
  }

  /**
   * The key names, when every segment is a key.
   *
   * @throws IllegalArgumentException if a segment is a list index
   */
  public ImmutableList<String> keys() {
    ImmutableList.Builder<String> b = ImmutableList.builder();
    for (Segment s : segments) {
      if (!(s instanceof Key k)) {
        throw new IllegalArgumentException(
            String.format("path '%s' has a list index where a key is expected", this));
      }
      b.add(k.name());
    }
    return b.build();
  }

  /** A path of the given segments. */
  public static Path of(List<Segment> segments) {
    requireArgument(!segments.isEmpty(), "path must not be empty");
    return new Path(ImmutableList.copyOf(segments));
  }

  /** True if a segment is a list index. */
  public boolean hasIndex() {
    for (Segment s : segments) {
      if (s instanceof Index) {
        return true;
      }
    }
    return false;
  }

  /**
   * This path without its last segment.
   *
   * @throws IllegalArgumentException if this path has one segment
   */
  public Path parent() {
    requireArgument(segments.size() > 1, "path '%s' has no parent", this);
    return new Path(segments.subList(0, segments.size() - 1));
  }

  /** This path with one more index. */
  public Path index(int index) {
    requireArgument(index >= 0, "negative index %s", index);
    return new Path(ImmutableList.<Segment>builder().addAll(segments).add(new Index(index)).build());
  }

  /** This path with one more key. */
  public Path child(String name) {
    return new Path(ImmutableList.<Segment>builder().addAll(segments).add(new Key(name)).build());
  }

  private static boolean isDigits(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (!Character.isDigit(s.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  static boolean isPlain(String name) {
    if (name.isEmpty()) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      if ("[].\"".indexOf(name.charAt(i)) >= 0) {
        return false;
      }
    }
    return true;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Path other && other.segments.equals(segments);
  }

  @Override
  public int hashCode() {
    return segments.hashCode();
  }

  /** The canonical text of this path, which {@link #parse} reads back. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    for (Segment s : segments) {
      if (s instanceof Key k && isPlain(k.name()) && sb.length() > 0) {
        sb.append('.');
      }
      sb.append(s);
    }
    return sb.toString();
  }
}
