package dev.meridian.crdt.clock;

import static dev.meridian.crdt.Preconditions.requireArgument;

import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableSortedMap;
import com.google.common.collect.ImmutableSortedSet;
import dev.meridian.crdt.ReplicaId;
import java.util.HashMap;
import java.util.Map;
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
   *     structural equality of the maps is equality of the dot sets.
   * [2] A document's context is kept compact by the claim described in dev.meridian.crdt.Replica:
   *     a replica's delta claims every dot of its own since its previous write to that document,
   *     so a document written by one replica stays one range per replica.
   */
  private final HashMap<ReplicaId, DotRanges> ranges;

  /** Creates an empty context. */
  public CausalContext() {
    this.ranges = new HashMap<>(4);
  }

  private CausalContext(HashMap<ReplicaId, DotRanges> ranges) {
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
  public boolean intersects(CausalContext other) {
    CausalContext small = ranges.size() <= other.ranges.size() ? this : other;
    CausalContext big = small == this ? other : this;
    for (Map.Entry<ReplicaId, DotRanges> e : small.ranges.entrySet()) {
      DotRanges theirs = big.ranges.get(e.getKey());
      if (theirs != null && e.getValue().intersects(theirs)) {
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
    HashMap<ReplicaId, DotRanges> m = new HashMap<>(Math.max(4, ranges.size() * 2));
    ranges.forEach((r, d) -> m.put(r, d.copy()));
    return new CausalContext(m);
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
    requireArgument(lo >= 1 && lo <= hi, "bad dot range %s:[%s, %s]", replica, lo, hi);
    ranges.computeIfAbsent(replica, r -> new DotRanges()).addRange(lo, hi);
  }

  /** Adds every dot of {@code other} (in place union: the join of contexts). */
  public void addAll(CausalContext other) {
    other.ranges.forEach((r, d) -> {
      DotRanges mine = ranges.get(r);
      if (mine == null) {
        ranges.put(r, d.copy());
      } else {
        mine.addAll(d);
      }
    });
  }

  /** The dots held here and not in {@code other}, as a new context. */
  public CausalContext minus(CausalContext other) {
    CausalContext out = new CausalContext();
    ranges.forEach((r, d) -> {
      DotRanges theirs = other.ranges.get(r);
      DotRanges diff = theirs == null ? d.copy() : d.minus(theirs);
      if (!diff.isEmpty()) {
        out.ranges.put(r, diff);
      }
    });
    return out;
  }

  /** True if every dot here is in {@code other}. */
  public boolean isSubsetOf(CausalContext other) {
    for (Map.Entry<ReplicaId, DotRanges> e : ranges.entrySet()) {
      DotRanges theirs = other.ranges.get(e.getKey());
      if (theirs == null || !e.getValue().isSubsetOf(theirs)) {
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
    return ImmutableSortedSet.copyOf(ranges.keySet());
  }

  /** The number of dots held. */
  public long dotCount() {
    long n = 0;
    for (DotRanges d : ranges.values()) {
      n += d.count();
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
    ImmutableSortedMap.copyOf(ranges).forEach((r, d) -> {
      for (int i = 0; i < d.rangeCount(); i++) {
        visitor.range(r, d.start(i), d.end(i));
      }
    });
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
    for (DotRanges d : ranges.values()) {
      n += d.rangeCount();
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
    return o instanceof CausalContext && ((CausalContext) o).ranges.equals(ranges);
  }

  @Override
  public int hashCode() {
    return ranges.hashCode();
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("{");
    ImmutableSortedMap.copyOf(ranges).forEach((r, d) -> {
      if (sb.length() > 1) {
        sb.append(", ");
      }
      sb.append(r).append('=').append(d);
    });
    return sb.append('}').toString();
  }
}
