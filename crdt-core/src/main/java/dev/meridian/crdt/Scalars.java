package dev.meridian.crdt;

import java.util.Comparator;

/**
 * The scalar values registers and sets hold: {@code null}, {@link Boolean}, {@link Long}, {@link
 * Double} (finite) and {@link String}. Smaller integral types are widened to {@code Long}, {@code
 * Float} to {@code Double}.
 */
public final class Scalars {
  private Scalars() {}

  /** A total order over scalars: null, booleans, numbers (longs before doubles), strings. */
  public static final Comparator<Object> ORDER = Scalars::compare;

  /**
   * Returns the canonical form of a scalar.
   *
   * @throws IllegalArgumentException for any other value, a non-finite double, or a string that is
   *     not well-formed UTF-16
   */
  public static Object normalize(Object value) {
    if (value instanceof String string) {
      return requireWellFormed(string, "string");
    }
    if (value == null || value instanceof Boolean || value instanceof Long) {
      return value;
    }
    if (value instanceof Integer || value instanceof Short || value instanceof Byte) {
      return ((Number) value).longValue();
    }
    if (value instanceof Double || value instanceof Float) {
      double d = ((Number) value).doubleValue();
      Preconditions.requireArgument(Double.isFinite(d), "number must be finite: %s", d);
      return d;
    }
    throw new IllegalArgumentException(
        "not a scalar (null, boolean, integer, finite double or string): "
            + value.getClass().getName());
  }

  /**
   * Returns {@code s} if it is well-formed UTF-16 (no unpaired surrogate), which is what survives a
   * round trip through UTF-8 on the wire.
   *
   * @throws IllegalArgumentException naming {@code what} and the position otherwise
   */
  public static String requireWellFormed(String s, String what) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)) {
        if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
          i++;
          continue;
        }
        throw new IllegalArgumentException(what + " has an unpaired surrogate at index " + i);
      }
      if (Character.isLowSurrogate(c)) {
        throw new IllegalArgumentException(what + " has an unpaired surrogate at index " + i);
      }
    }
    return s;
  }

  private static int rank(Object v) {
    if (v == null) {
      return 0;
    }
    if (v instanceof Boolean) {
      return 1;
    }
    if (v instanceof Long) {
      return 2;
    }
    if (v instanceof Double) {
      return 3;
    }
    return 4;
  }

  @SuppressWarnings("unchecked")
  private static int compare(Object a, Object b) {
    int ra = rank(a);
    int rb = rank(b);
    if (ra != rb || ra == 0) {
      return Integer.compare(ra, rb);
    }
    return ((Comparable<Object>) a).compareTo(b);
  }
}
