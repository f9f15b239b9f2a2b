package dev.meridian.crdt.clock;

import static dev.meridian.crdt.Preconditions.requireArgument;

import dev.meridian.crdt.ReplicaId;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;

/**
 * A stable-prefix vector: for each replica {@code r}, a counter {@code n} such that every member of
 * the cluster has applied every dot {@code (r, 1..n)}. Replicas not listed count as 0. Immutable.
 *
 * <p>It is the meet (entry-wise minimum) of the contiguous prefixes of the members' contexts: a
 * member that has applied {@code (r, 1..5)} and {@code (r, 7)} counts as 5 for {@code r}, so dots
 * past a gap are never stable until the gap is filled (or declared void). A member that has not
 * reported holds every entry at 0, which is what makes an offline member hold stability back.
 *
 * <p>Stability alone says every member <em>has</em> these dots; it does not say that nothing
 * concurrent with them is still in flight. What collection needs is the stronger {@link
 * Stability#causallyStable()}.
 *
 * @see <a href="https://arxiv.org/abs/1410.2803">Baquero, Almeida, Shoker: Making
 *     Operation-based CRDTs Operation-based (2014), causal stability</a>
 */
public final class StableVector {
  private static final StableVector EMPTY = new StableVector(VersionVector.empty());

  private final VersionVector prefix;

  private StableVector(VersionVector prefix) {
    this.prefix = prefix;
  }

  /** The vector that holds nothing stable. */
  public static StableVector empty() {
    return EMPTY;
  }

  /** A vector with the given entries (a decoded one, or one built by a test). */
  public static StableVector of(VersionVector prefix) {
    return new StableVector(Objects.requireNonNull(prefix, "prefix"));
  }

  /**
   * The meet of the members' contexts: per replica, the smallest contiguous prefix among them.
   *
   * @throws IllegalArgumentException if {@code memberContexts} is empty (a cluster has at least
   *     one member, and the meet of nothing would claim everything)
   */
  public static StableVector meet(Collection<CausalContext> memberContexts) {
    requireArgument(!memberContexts.isEmpty(), "the meet of no member's context is undefined");
    Iterator<CausalContext> it = memberContexts.iterator();
    Map<ReplicaId, Long> min = new HashMap<>(it.next().versionVector().asMap());
    while (it.hasNext() && !min.isEmpty()) {
      VersionVector v = it.next().versionVector();
      min.replaceAll((r, n) -> Math.min(n, v.get(r)));
      min.values().removeIf(n -> n == 0);
    }
    return new StableVector(VersionVector.of(min));
  }

  /** The stable prefix of {@code replica}: dots {@code (replica, 1..get(replica))} are stable. */
  public long get(ReplicaId replica) {
    return prefix.get(replica);
  }

  /** True if {@code dot} is stable. */
  public boolean contains(Dot dot) {
    return dot.counter() <= prefix.get(dot.replica());
  }

  /** True if every dot of {@code context} is stable. */
  public boolean containsAll(CausalContext context) {
    boolean[] all = {true};
    context.forEachRange((r, lo, hi) -> all[0] &= hi <= prefix.get(r));
    return all[0];
  }

  /** The entry-wise maximum (stability only grows; two valid vectors of one cluster join so). */
  public StableVector join(StableVector other) {
    return new StableVector(prefix.merge(other.prefix));
  }

  /** The entry-wise minimum. */
  public StableVector meet(StableVector other) {
    Map<ReplicaId, Long> m = new HashMap<>();
    prefix.asMap().forEach((r, n) -> m.put(r, Math.min(n, other.get(r))));
    return new StableVector(VersionVector.of(m));
  }

  /** True if every entry here is at most {@code other}'s. */
  public boolean isAtMost(StableVector other) {
    for (Map.Entry<ReplicaId, Long> e : prefix.asMap().entrySet()) {
      if (e.getValue() > other.get(e.getKey())) {
        return false;
      }
    }
    return true;
  }

  /** The stable dots as a context ({@code [1, n]} per replica). */
  public CausalContext asContext() {
    return CausalContext.of(prefix);
  }

  /** The entries as a version vector. */
  public VersionVector asVersionVector() {
    return prefix;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof StableVector s && s.prefix.equals(prefix);
  }

  @Override
  public int hashCode() {
    return prefix.hashCode();
  }

  @Override
  public String toString() {
    return "Stable" + prefix;
  }
}
