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
   * @throws IllegalArgumentException for any other value, or a non-finite double
   */
  public static Object normalize(Object value) {
    if (value == null || value instanceof String || value instanceof Boolean || value instanceof Long) {
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
