package dev.meridian.crdt.clock;

import static dev.meridian.crdt.Preconditions.requireArgument;

import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableSortedSet;
import dev.meridian.crdt.ReplicaId;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A causal context: the set of dots a state has seen, held as a version vector (the contiguous
 * prefix {@code [1, n]} per replica) plus a cloud of dots past that prefix.
 *
 * <p>Contexts only grow by {@link #add} and {@link #addAll} (set union, the join of contexts).
 * Cloud dots that become contiguous with the prefix are compacted into it as they arrive, so a
 * context that has seen everything up to {@code n} from each replica costs one number per replica.
 * Past the prefix, dots are stored as ranges, so a context can also describe "every dot from 5 to
 * 900", which {@link #minus} produces for {@code deltaSince}.
 *
 * <p>Mutable and not thread-safe: a context belongs to one state, like the state's dot store.
 *
 * @see <a href="https://arxiv.org/abs/1603.01529">Almeida, Shoker, Baquero: Delta State Replicated
 *     Data Types (JPDC 2018), section 6, causal contexts</a>
 */
public final class CausalContext {
  /*
   * Design notes.
   * [1] One DotRanges per replica; absent replica = no dots. Empty DotRanges are never stored, so
   *     structural equality of the maps is equality of the dot sets. The map is a ReplicaRanges
   *     (parallel arrays, hashed past eight replicas): deltas are contexts of one replica, built
   *     once per write, and a hash map's table and node cost more than the ranges themselves.
   * [2] A document's context holds its own events only (DESIGN.md); a replica writing one
   *     document alone still has one range there, as its dots for it are consecutive.
   */
  private final ReplicaRanges ranges;

  /** Creates an empty context. */
  public CausalContext() {
    this.ranges = new ReplicaRanges();
  }

  private CausalContext(ReplicaRanges ranges) {
    this.ranges = ranges;
  }

  /** Returns a context holding exactly the given dots. */
  public static CausalContext of(Dot... dots) {
    CausalContext c = new CausalContext();
    for (Dot d : dots) {
      c.add(d);
    }
    return c;
  }

  /** Returns a context holding exactly the given dots; sorts them first, so it is O(n log n). */
  public static CausalContext ofDots(java.util.Collection<Dot> dots) {
    Dot[] sorted = dots.toArray(new Dot[0]);
    java.util.Arrays.sort(sorted);
    CausalContext c = new CausalContext();
    for (Dot d : sorted) {
      c.add(d);
    }
    return c;
  }

  /**
   * Returns a context holding the ranges {@code (replicas[i], ranges[i][0] .. ranges[i][1])}, in any
   * order; sorts them first, so building it is O(n log n) whatever the order.
   */
  public static CausalContext ofRanges(java.util.List<ReplicaId> replicas, java.util.List<long[]> ranges) {
    java.util.Objects.requireNonNull(replicas, "replicas");
    java.util.Objects.requireNonNull(ranges, "ranges");
    requireArgument(replicas.size() == ranges.size(), "%s replicas for %s ranges", replicas.size(),
        ranges.size());
    Integer[] order = new Integer[ranges.size()];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    java.util.Arrays.sort(order, (a, b) -> {
      int c = replicas.get(a).compareTo(replicas.get(b));
      return c != 0 ? c : Long.compare(ranges.get(a)[0], ranges.get(b)[0]);
    });
    CausalContext c = new CausalContext();
    for (int i : order) {
      c.addRange(replicas.get(i), ranges.get(i)[0], ranges.get(i)[1]);
    }
    return c;
  }

  /** True if this context and {@code other} hold a dot in common. */
  @SuppressWarnings("ReferenceEquality") // picks the other of two operands, whatever they hold
  public boolean intersects(CausalContext other) {
    CausalContext small = ranges.size() <= other.ranges.size() ? this : other;
    CausalContext big = small == this ? other : this;
    for (int i = 0; i < small.ranges.size(); i++) {
      DotRanges theirs = big.ranges.get(small.ranges.key(i));
      if (theirs != null && small.ranges.value(i).intersects(theirs)) {
        return true;
      }
    }
    return false;
  }

  /** Returns a context holding {@code [1, n]} for each entry of the version vector. */
  public static CausalContext of(VersionVector vv) {
    CausalContext c = new CausalContext();
    vv.asMap().forEach((r, n) -> {
      if (n > 0) {
        c.addRange(r, 1, n);
      }
    });
    return c;
  }

  /** An independent copy. */
  public CausalContext copy() {
    return new CausalContext(ranges.copy());
  }

  /** True if this context holds the dot. */
  public boolean contains(Dot dot) {
    return contains(dot.replica(), dot.counter());
  }

  /** True if this context holds dot {@code (replica, counter)}. */
  public boolean contains(ReplicaId replica, long counter) {
    DotRanges r = ranges.get(replica);
    return r != null && r.contains(counter);
  }

  /**
   * The last counter {@code e <= limit} such that the dots {@code (replica, c..e)} are all held or
   * all not held, as {@code (replica, c)} is: walks a range of counters by membership in O(log n)
   * steps.
   */
  public long sameUntil(ReplicaId replica, long c, long limit) {
    DotRanges r = ranges.get(replica);
    return r == null ? limit : r.sameUntil(c, limit);
  }

  /** True if any dot {@code (replica, lo..hi)} is held. */
  public boolean containsAny(ReplicaId replica, long lo, long hi) {
    DotRanges r = ranges.get(replica);
    return r != null && (r.contains(lo) || r.sameUntil(lo, hi) < hi);
  }

  /** Adds one dot. */
  public void add(Dot dot) {
    addRange(dot.replica(), dot.counter(), dot.counter());
  }

  /**
   * Adds the dots {@code (replica, lo..hi)}.
   *
   * @throws IllegalArgumentException unless {@code 1 <= lo <= hi}
   */
  public void addRange(ReplicaId replica, long lo, long hi) {
    if (lo < 1 || lo > hi) { // tested first: the varargs call would box on every add
      requireArgument(false, "bad dot range %s:[%s, %s]", replica, lo, hi);
    }
    ranges.getOrCreate(replica).addRange(lo, hi);
  }

  /** Adds every dot of {@code other} (in place union: the join of contexts). */
  public void addAll(CausalContext other) {
    ReplicaRanges o = other.ranges;
    for (int i = 0; i < o.size(); i++) {
      DotRanges mine = ranges.get(o.key(i));
      if (mine == null) {
        ranges.put(o.key(i), o.value(i).copy());
      } else {
        mine.addAll(o.value(i));
      }
    }
  }

  /** The dots held here and not in {@code other}, as a new context. */
  public CausalContext minus(CausalContext other) {
    CausalContext out = new CausalContext();
    for (int i = 0; i < ranges.size(); i++) {
      DotRanges d = ranges.value(i);
      DotRanges theirs = other.ranges.get(ranges.key(i));
      DotRanges diff = theirs == null ? d.copy() : d.minus(theirs);
      if (!diff.isEmpty()) {
        out.ranges.put(ranges.key(i), diff);
      }
    }
    return out;
  }

  /** True if every dot here is in {@code other}. */
  public boolean isSubsetOf(CausalContext other) {
    for (int i = 0; i < ranges.size(); i++) {
      DotRanges theirs = other.ranges.get(ranges.key(i));
      if (theirs == null || !ranges.value(i).isSubsetOf(theirs)) {
        return false;
      }
    }
    return true;
  }

  /** How this context relates to {@code other} by inclusion. */
  public Order compare(CausalContext other) {
    boolean le = isSubsetOf(other);
    boolean ge = other.isSubsetOf(this);
    if (le && ge) {
      return Order.SAME;
    }
    return le ? Order.BEFORE : ge ? Order.AFTER : Order.CONCURRENT;
  }

  /** The highest counter held for {@code replica}, or 0. */
  public long max(ReplicaId replica) {
    DotRanges r = ranges.get(replica);
    return r == null ? 0 : r.max();
  }

  /** True if no dot is held. */
  public boolean isEmpty() {
    return ranges.isEmpty();
  }

  /** The replicas with at least one dot here. */
  public Set<ReplicaId> replicas() {
    ImmutableSortedSet.Builder<ReplicaId> b = ImmutableSortedSet.naturalOrder();
    ranges.forEach((r, d) -> b.add(r));
    return b.build();
  }

  /** The number of dots held. */
  public long dotCount() {
    long n = 0;
    for (int i = 0; i < ranges.size(); i++) {
      n += ranges.value(i).count();
    }
    return n;
  }

  /** The contiguous prefix of each replica: dots {@code [1, n]} are all held. */
  public VersionVector versionVector() {
    ImmutableMap.Builder<ReplicaId, Long> b = ImmutableMap.builder();
    ranges.forEach((r, d) -> {
      long n = d.contiguousPrefix();
      if (n > 0) {
        b.put(r, n);
      }
    });
    return VersionVector.of(b.buildOrThrow());
  }

  /** The dots past the version vector (the dot cloud), in order. Can be large; for inspection. */
  public ImmutableSortedSet<Dot> cloud() {
    ImmutableSortedSet.Builder<Dot> b = ImmutableSortedSet.naturalOrder();
    ranges.forEach((r, d) -> {
      for (int i = 0; i < d.rangeCount(); i++) {
        if (i == 0 && d.start(0) == 1) {
          continue;
        }
        for (long c = d.start(i); c <= d.end(i); c++) {
          b.add(new Dot(r, c));
        }
      }
    });
    return b.build();
  }

  /**
   * Visits the held dots as ranges, replicas in ascending order, ranges ascending: {@code
   * visitor.range(replica, first, last)}.
   */
  public void forEachRange(RangeVisitor visitor) {
    if (ranges.size() == 1) {
      DotRanges d = ranges.value(0);
      for (int i = 0; i < d.rangeCount(); i++) {
        visitor.range(ranges.key(0), d.start(i), d.end(i));
      }
      return;
    }
    for (int k : ranges.sortedOrder()) {
      DotRanges d = ranges.value(k);
      for (int i = 0; i < d.rangeCount(); i++) {
        visitor.range(ranges.key(k), d.start(i), d.end(i));
      }
    }
  }

  /** Visits every dot held. For small contexts (deltas); a big context may hold many dots. */
  public void forEachDot(Consumer<Dot> visitor) {
    forEachRange((r, lo, hi) -> {
      for (long c = lo; c <= hi; c++) {
        visitor.accept(new Dot(r, c));
      }
    });
  }

  /** The number of ranges held, summed over replicas; a measure of fragmentation. */
  public int rangeCount() {
    int n = 0;
    for (int i = 0; i < ranges.size(); i++) {
      n += ranges.value(i).rangeCount();
    }
    return n;
  }

  /** Receives one range of dots. */
  @FunctionalInterface
  public interface RangeVisitor {
    /** Dots {@code (replica, first..last)}, inclusive. */
    void range(ReplicaId replica, long first, long last);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CausalContext causalContext && causalContext.ranges.equals(ranges);
  }

  @Override
  public int hashCode() {
    return ranges.hashCode();
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("{");
    for (int k : ranges.sortedOrder()) {
      if (sb.length() > 1) {
        sb.append(", ");
      }
      sb.append(ranges.key(k)).append('=').append(ranges.value(k));
    }
    return sb.append('}').toString();
  }
}
