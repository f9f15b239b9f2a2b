package dev.meridian.crdt.counter;

import static dev.meridian.crdt.Preconditions.requireArgument;

import dev.meridian.crdt.CausalCrdt;
import dev.meridian.crdt.Replica;
import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.ReplicaId;
import dev.meridian.crdt.clock.Dot;
import dev.meridian.crdt.clock.StableVector;
import dev.meridian.crdt.store.DotFun;

/**
 * A counter that counts up and down (a causal counter): its value is the sum of every replica's
 * contribution.
 *
 * <p>Each replica holds one entry, tagged with the dot of its latest change and carrying its whole
 * contribution; an increment replaces the replica's entry with a new dot. Concurrent increments at
 * different replicas all count. Embedded in a map, removing the key resets the counter as the
 * remover observed it (observed-reset): the entries it saw are gone, so an increment after the
 * removal starts from 0. An increment <em>concurrent</em> with the removal survives together with the
 * incrementing replica's earlier contribution, which travels in the same entry (as in riak_dt's
 * {@code emcntr}). Merge is the dot-function join: an entry survives unless the other side has seen
 * its dot and no longer holds it.
 *
 * @see <a href="https://arxiv.org/abs/1603.01529">Almeida, Shoker, Baquero: Delta State Replicated
 *     Data Types (JPDC 2018), causal counter</a>
 * @see <a href="https://doi.org/10.1145/2911151.2911163">Baquero, Almeida, Lerche: The problem with
 *     embedded CRDT counters and a solution (PaPoC 2016)</a>
 */
public final class Counter extends CausalCrdt<Counter, DotFun<Long>> {
  /** An empty counter (value 0). */
  public Counter() {
    this(new DotFun<>(), new CausalContext(), false);
  }

  private Counter(DotFun<Long> store, CausalContext context, boolean keyed) {
    super(store, context, keyed);
  }

  /** A counter from decoded parts (codecs and storage); takes ownership of them. */
  public static Counter of(DotFun<Long> store, CausalContext context, boolean keyed) {
    return new Counter(store, context, keyed);
  }

  @Override
  protected Counter create(DotFun<Long> store, CausalContext context, boolean keyed) {
    return new Counter(store, context, keyed);
  }

  /**
   * Adds {@code amount} (may be negative) as {@code replica}; returns the delta.
   *
   * @throws IllegalArgumentException if the replica's contribution would overflow a long
   */
  public Counter increment(Replica replica, long amount) {
    Replica.Claim claim = replica.claim(context);
    DotFun<Long> delta = incrementDelta(store, claim.dot(), amount, claim.context());
    return applyDelta(claim, delta);
  }

  /**
   * Folds a retired replica's contribution into {@code into}'s entry and returns the delta: a new
   * entry of {@code into} carrying its own contribution plus the retired one's, whose context
   * removes both old entries. Every total is unchanged, and the retired replica is absent from the
   * table wherever the delta is joined (as Pekko Distributed Data's pruning collapses a removed
   * node into another). If this counter holds no entry of {@code retired}, nothing is minted and
   * the delta is empty.
   *
   * <p><b>When it is safe.</b> (1) {@code retired} will never write again (it was retired; a
   * retired replica that returns is refused) and every dot it minted that anyone holds, up to
   * {@code retiredLast}, is causally stable: otherwise a later entry of {@code retired}, which
   * carries its whole contribution, would arrive after the fold and count it twice. (2) This
   * state has applied every causally stable event (the store that calls it is a member, so its
   * context holds them). (3) Exactly one replica folds a given retired replica (a designated one,
   * such as the smallest member id): two replicas folding concurrently would each add the
   * contribution. (1) is checked here; (2) and (3) are the caller's.
   *
   * @param into the replica performing the fold (it mints the new entry's dot)
   * @param retired the retired replica
   * @param causallyStable the causally stable vector ({@code Stability#causallyStable()})
   * @param retiredLast the highest counter of {@code retired} any member holds, taken after it
   *     stopped (its streams closed)
   * @throws IllegalArgumentException if {@code into} is {@code retired}
   * @throws IllegalStateException unless {@code causallyStable} covers {@code retired} up to
   *     {@code retiredLast}
   */
  public Counter foldRetired(
      Replica into, ReplicaId retired, StableVector causallyStable, long retiredLast) {
    requireArgument(!into.id().equals(retired), "replica %s cannot fold itself", retired);
    dev.meridian.crdt.Preconditions.requireState(causallyStable.get(retired) >= retiredLast,
        "retired replica %s is causally stable up to %s, not up to its last dot %s", retired,
        causallyStable.get(retired), retiredLast);
    if (!holdsEntryOf(store, retired)) {
      return new Counter();
    }
    Replica.Claim claim = into.claim(context);
    return applyDelta(claim, foldRetiredDelta(store, retired, claim.dot(), claim.context()));
  }

  /** True if {@code store} (may be null) holds an entry of {@code replica}. */
  public static boolean holdsEntryOf(DotFun<Long> store, ReplicaId replica) {
    if (store != null) {
      for (var e : store.entries()) {
        if (e.getKey().replica().equals(replica)) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * Building block of {@link #foldRetired}: the delta store of folding {@code retired}'s entries of
   * {@code current} into a new entry at {@code dot} (a dot of the folding replica), which carries
   * the folding replica's contribution plus the retired one's. Adds every replaced entry's dot to
   * {@code deltaContext}. See {@link #foldRetired} for when this is safe.
   *
   * @throws IllegalArgumentException on overflow
   */
  public static DotFun<Long> foldRetiredDelta(
      DotFun<Long> current, ReplicaId retired, Dot dot, CausalContext deltaContext) {
    long folded = 0;
    for (var e : current.entries()) {
      if (e.getKey().replica().equals(retired)) {
        folded = add(folded, e.getValue());
        deltaContext.add(e.getKey());
      }
    }
    return incrementDelta(current, dot, folded, deltaContext);
  }

  /** The current value: the sum of all contributions. */
  public long value() {
    return value(store);
  }

  /**
   * Building block for composite types: the delta store of adding {@code amount} at {@code dot} to
   * {@code current} (may be null). Adds the replaced entry's dot to {@code deltaContext}.
   *
   * @throws IllegalArgumentException on overflow
   */
  public static DotFun<Long> incrementDelta(
      DotFun<Long> current, Dot dot, long amount, CausalContext deltaContext) {
    long own = 0;
    long ownNewest = 0;
    if (current != null) {
      for (var e : current.entries()) {
        if (e.getKey().replica().equals(dot.replica())) {
          if (e.getKey().counter() > ownNewest) { // the running total (see value)
            ownNewest = e.getKey().counter();
            own = e.getValue();
          }
          deltaContext.add(e.getKey());
        }
      }
    }
    DotFun<Long> delta = new DotFun<>();
    delta.put(dot, add(own, amount));
    return delta;
  }

  /**
   * Building block: the value of a counter store (may be null): the sum of each replica's newest
   * entry. A replica's increments are sequential and each one's entry holds that replica's running
   * total, replacing its earlier entries; so an earlier entry still present (a newer delta arrived
   * first, the one that would remove the earlier entry is yet to come) is superseded already and not
   * counted, and no state ever shows a total that no order of the writes explains. Each replica's
   * contribution is bounded by a long (its increments refuse to overflow); their exact sum is
   * clamped to {@link Long#MIN_VALUE} and {@link Long#MAX_VALUE} rather than wrapping.
   */
  public static long value(DotFun<Long> store) {
    if (store == null) {
      return 0;
    }
    // Each replica's newest entry (one per replica in the steady state).
    java.util.Map<dev.meridian.crdt.ReplicaId, java.util.Map.Entry<Dot, Long>> newest =
        new java.util.HashMap<>();
    for (var e : store.entries()) {
      newest.merge(e.getKey().replica(), e,
          (a, b) -> a.getKey().counter() >= b.getKey().counter() ? a : b);
    }
    long sum = 0;
    boolean overflow = false;
    for (var e : newest.values()) {
      long v = e.getValue();
      long r = sum + v;
      overflow |= ((sum ^ r) & (v ^ r)) < 0;
      sum = r;
    }
    if (!overflow) {
      return sum;
    }
    // Rare: compute exactly, then clamp, so the result does not depend on the entries' order.
    java.math.BigInteger exact = java.math.BigInteger.ZERO;
    for (var e : newest.values()) {
      exact = exact.add(java.math.BigInteger.valueOf(e.getValue()));
    }
    return clamp(exact);
  }

  /** The long nearest to {@code exact}. */
  public static long clamp(java.math.BigInteger exact) {
    if (exact.bitLength() < 64) {
      return exact.longValueExact();
    }
    return exact.signum() < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
  }

  private static long add(long a, long b) {
    long r = a + b;
    requireArgument(((a ^ r) & (b ^ r)) >= 0, "counter overflow: %s + %s", a, b);
    return r;
  }
}
