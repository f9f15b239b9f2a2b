package dev.meridian.crdt.clock;

import static dev.meridian.crdt.Preconditions.requireArgument;

import com.google.common.collect.ImmutableSortedMap;
import dev.meridian.crdt.ReplicaId;
import java.util.Map;

/**
 * An immutable version vector: for each replica, the number n of its first events seen. Compared
 * with {@link #compare}, which says whether one history happened before the other or they are
 * concurrent. Replicas not listed count as 0.
 */
public final class VersionVector {
  private static final VersionVector EMPTY = new VersionVector(ImmutableSortedMap.of());

  private final ImmutableSortedMap<ReplicaId, Long> entries;

  private VersionVector(ImmutableSortedMap<ReplicaId, Long> entries) {
    this.entries = entries;
  }

  /** The empty vector. */
  public static VersionVector empty() {
    return EMPTY;
  }

  /**
   * A vector with the given entries; zero entries are dropped.
   *
   * @throws IllegalArgumentException if an entry is negative
   */
  public static VersionVector of(Map<ReplicaId, Long> entries) {
    ImmutableSortedMap.Builder<ReplicaId, Long> b = ImmutableSortedMap.naturalOrder();
    entries.forEach((r, n) -> {
      requireArgument(n >= 0, "version vector entry for %s is negative: %s", r, n);
      if (n > 0) {
        b.put(r, n);
      }
    });
    return new VersionVector(b.buildOrThrow());
  }

  /** The entry for {@code replica}, 0 if absent. */
  public long get(ReplicaId replica) {
    return entries.getOrDefault(replica, 0L);
  }

  /** The non-zero entries in replica order. */
  public ImmutableSortedMap<ReplicaId, Long> asMap() {
    return entries;
  }

  /** The entry-wise maximum of both vectors. */
  public VersionVector merge(VersionVector other) {
    java.util.TreeMap<ReplicaId, Long> m = new java.util.TreeMap<>(entries);
    other.entries.forEach((r, n) -> m.merge(r, n, Math::max));
    return new VersionVector(ImmutableSortedMap.copyOfSorted(m));
  }

  /**
   * Compares two histories: {@code BEFORE} if every entry here is {@code <=} the other's and one is
   * smaller, {@code AFTER} the reverse, {@code SAME} if equal, else {@code CONCURRENT}.
   */
  public Order compare(VersionVector other) {
    boolean less = false;
    boolean greater = false;
    for (Map.Entry<ReplicaId, Long> e : entries.entrySet()) {
      long theirs = other.get(e.getKey());
      if (e.getValue() < theirs) {
        less = true;
      } else if (e.getValue() > theirs) {
        greater = true;
      }
    }
    for (Map.Entry<ReplicaId, Long> e : other.entries.entrySet()) {
      if (!entries.containsKey(e.getKey())) {
        less = true;
      }
    }
    if (less && greater) {
      return Order.CONCURRENT;
    }
    return less ? Order.BEFORE : greater ? Order.AFTER : Order.SAME;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof VersionVector versionVector && versionVector.entries.equals(entries);
  }

  @Override
  public int hashCode() {
    return entries.hashCode();
  }

  @Override
  public String toString() {
    return entries.toString();
  }
}
