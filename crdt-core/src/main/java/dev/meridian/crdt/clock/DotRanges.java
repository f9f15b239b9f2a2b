package dev.meridian.crdt.clock;

import static dev.meridian.crdt.Preconditions.requireArgument;

import java.util.Arrays;

/**
 * The counters of one replica that a context holds, as sorted, disjoint, non-adjacent closed
 * ranges. Package-private: {@link CausalContext} is the public face.
 */
final class DotRanges {
  /*
   * Layout: bounds[2i] and bounds[2i+1] are the first and last counter of range i. Ranges are kept
   * canonical (sorted, separated by at least one missing counter), so equals is array equality.
   * The common cases are cheap: a version-vector entry is one range [1, n]; adding n + 1 extends it
   * in place. That extension is the "compaction of the dot cloud": a cloud dot that becomes
   * contiguous with the prefix merges into it.
   */
  private long[] bounds;
  private int size; // number of ranges

  DotRanges() {
    bounds = new long[2];
  }

  private DotRanges(long[] bounds, int size) {
    this.bounds = bounds;
    this.size = size;
  }

  DotRanges copy() {
    return new DotRanges(Arrays.copyOf(bounds, Math.max(2, size * 2)), size);
  }

  boolean isEmpty() {
    return size == 0;
  }

  int rangeCount() {
    return size;
  }

  long start(int i) {
    return bounds[2 * i];
  }

  long end(int i) {
    return bounds[2 * i + 1];
  }

  long max() {
    return size == 0 ? 0 : bounds[2 * size - 1];
  }

  /** The n such that [1, n] is held, or 0. */
  long contiguousPrefix() {
    return size > 0 && bounds[0] == 1 ? bounds[1] : 0;
  }

  long count() {
    long n = 0;
    for (int i = 0; i < size; i++) {
      n += end(i) - start(i) + 1;
    }
    return n;
  }

  boolean contains(long c) {
    if (size == 0) {
      return false;
    }
    // Fast path for the usual single prefix range.
    if (size == 1) {
      return c >= bounds[0] && c <= bounds[1];
    }
    int i = indexOfRangeAtOrBefore(c);
    return i >= 0 && c <= end(i);
  }

  /** Index of the last range whose start is {@code <= c}, or -1. */
  private int indexOfRangeAtOrBefore(long c) {
    int lo = 0;
    int hi = size - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      if (start(mid) <= c) {
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return hi;
  }

  /**
   * The last counter {@code e <= limit} such that every counter in {@code [c, e]} is held, or every
   * one is not held, as {@code c} is.
   */
  long sameUntil(long c, long limit) {
    int i = indexOfRangeAtOrBefore(c);
    if (i >= 0 && c <= end(i)) {
      return Math.min(limit, end(i));
    }
    return i + 1 < size ? Math.min(limit, start(i + 1) - 1) : limit;
  }

  void add(long c) {
    addRange(c, c);
  }

  void addRange(long lo, long hi) {
    if (lo < 1 || lo > hi) { // tested first: the varargs call would box on every add
      requireArgument(false, "bad dot range [%s, %s]", lo, hi);
    }
    // Fast path: append at or extend the last range.
    if (size == 0 || lo > max() + 1) {
      ensureCapacity(size + 1);
      bounds[2 * size] = lo;
      bounds[2 * size + 1] = hi;
      size++;
      return;
    }
    if (lo >= start(size - 1)) {
      bounds[2 * size - 1] = Math.max(hi, max());
      return;
    }
    // General case: merge all ranges that overlap or touch [lo, hi].
    int first = indexOfRangeAtOrBefore(lo); // may be -1
    if (first >= 0 && end(first) + 1 < lo) {
      first++;
    } else if (first < 0) {
      first = 0;
    }
    int last = indexOfRangeAtOrBefore(hi + 1 == Long.MIN_VALUE ? hi : hi + 1);
    if (first > last) {
      // Insert a new range at position first.
      ensureCapacity(size + 1);
      System.arraycopy(bounds, 2 * first, bounds, 2 * first + 2, 2 * (size - first));
      bounds[2 * first] = lo;
      bounds[2 * first + 1] = hi;
      size++;
      return;
    }
    long newLo = Math.min(lo, start(first));
    long newHi = Math.max(hi, end(last));
    bounds[2 * first] = newLo;
    bounds[2 * first + 1] = newHi;
    int removed = last - first;
    if (removed > 0) {
      System.arraycopy(bounds, 2 * (last + 1), bounds, 2 * (first + 1), 2 * (size - last - 1));
      size -= removed;
    }
  }

  void addAll(DotRanges other) {
    for (int i = 0; i < other.size; i++) {
      addRange(other.start(i), other.end(i));
    }
  }

  /**
   * Counters held here and not in {@code other}. Each range finds its place in {@code other} by
   * binary search, so a few ranges minus many cost O(few log many).
   */
  DotRanges minus(DotRanges other) {
    DotRanges out = new DotRanges();
    for (int i = 0; i < size; i++) {
      long lo = start(i);
      long hi = end(i);
      int k = other.indexOfRangeAtOrBefore(lo);
      if (k < 0) {
        k = 0;
      } else if (other.end(k) < lo) {
        k++;
      }
      while (lo <= hi) {
        if (k >= other.size || other.start(k) > hi) {
          out.addRange(lo, hi);
          break;
        }
        if (other.start(k) > lo) {
          out.addRange(lo, other.start(k) - 1);
        }
        lo = Math.max(lo, other.end(k) + 1);
        k++;
      }
    }
    return out;
  }

  /** True if a counter is held both here and in {@code other}. */
  @SuppressWarnings("ReferenceEquality") // picks the other of two operands, whatever they hold
  boolean intersects(DotRanges other) {
    DotRanges small = size <= other.size ? this : other;
    DotRanges big = small == this ? other : this;
    for (int i = 0; i < small.size; i++) {
      long lo = small.start(i);
      if (big.contains(lo) || big.sameUntil(lo, small.end(i)) < small.end(i)) {
        return true;
      }
    }
    return false;
  }

  /** True if every counter here is in {@code other}. */
  boolean isSubsetOf(DotRanges other) {
    for (int i = 0; i < size; i++) {
      long lo = start(i);
      if (!other.contains(lo) || other.sameUntil(lo, end(i)) != end(i)) {
        return false;
      }
    }
    return true;
  }

  private void ensureCapacity(int ranges) {
    if (bounds.length < 2 * ranges) {
      bounds = Arrays.copyOf(bounds, Math.max(2 * ranges, bounds.length * 2));
    }
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof DotRanges r)) {
      return false;
    }
    
    return size == r.size && Arrays.equals(bounds, 0, 2 * size, r.bounds, 0, 2 * size);
  }

  @Override
  public int hashCode() {
    int h = 1;
    for (int i = 0; i < 2 * size; i++) {
      h = 31 * h + Long.hashCode(bounds[i]);
    }
    return h;
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < size; i++) {
      if (i > 0) {
        sb.append(',');
      }
      sb.append(start(i));
      if (end(i) != start(i)) {
        sb.append('-').append(end(i));
      }
    }
    return sb.append(']').toString();
  }
}
