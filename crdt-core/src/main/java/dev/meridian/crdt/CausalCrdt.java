package dev.meridian.crdt;

import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.clock.Dot;
import dev.meridian.crdt.store.DotMap;
import dev.meridian.crdt.store.DotSeq;
import dev.meridian.crdt.store.DotStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The shared shape of every causal type: a dot store plus its causal context, joined by the dot
 * store's one generic join. Subclasses add mutators (each builds a delta and joins it into this
 * state) and reads.
 *
 * <p>Not thread-safe: one writer per state. Deltas returned by mutators are fresh objects owned by
 * the caller; treat them as immutable.
 *
 * @param <T> the concrete type
 * @param <S> its dot store
 */
public abstract class CausalCrdt<T extends CausalCrdt<T, S>, S extends DotStore>
    implements DeltaCrdt<T> {
  /*
   * Design notes.
   * [1] Two contexts. `context` is the join context of the paper: every dot seen, including dots a
   *     delta names only because it removed or replaced them. Deltas arrive in any order and some
   *     are lost, so a state can have seen dot d (a later delta removed it) without having applied
   *     d's own event (and what d's event removed). `pending` holds those dots: context minus the
   *     events applied. The events applied, context() = context \ pending, are what sync compares:
   *     a replica that has applied every event another has applied holds a state at or above it,
   *     so an idle sync round sends nothing. pending is empty in steady state.
   * [2] deltaSince(remoteEvents) sends the entries whose dots remote lacks, and the join context
   *     minus the dots held here that remote has applied: so every dot removed here (which remote
   *     may still hold) is in the delta's context and not its store, and is removed there.
   */

  /** The dot store; mutated only through joins. */
  protected final S store;

  /** Every dot this state has seen (the join context). */
  protected final CausalContext context;

  /** Dots in {@link #context} whose own events this state has not applied; usually empty. */
  private CausalContext pending = NO_PENDING;

  /**
   * The pending dots of states that have none (most), shared: pending is replaced, never changed
   * in place while empty, so one instance serves all and a delta costs no allocation for it.
   */
  private static final CausalContext NO_PENDING = new CausalContext();

  /** True for a delta made by mutators: its removals are witnessed by keys (see DotStore). */
  protected boolean keyed;

  /** A state with the given parts, which it takes ownership of. */
  protected CausalCrdt(S store, CausalContext context, boolean keyed) {
    this.store = Objects.requireNonNull(store, "store");
    this.context = Objects.requireNonNull(context, "context");
    this.keyed = keyed;
  }

  /** Creates an instance of the concrete type from parts it takes ownership of. */
  protected abstract T create(S store, CausalContext context, boolean keyed);

  private T create(S store, CausalContext context, CausalContext pending, boolean keyed) {
    T t = create(store, context, keyed);
    ((CausalCrdt<T, S>) t).pending = pending;
    return t;
  }

  @Override
  @SuppressWarnings("ReferenceEquality") // joining a state into itself changes nothing
  public void join(T other) {
    if (other == this
        || (other.context.isEmpty() && other.store.isEmpty() && (other.keyed || !keyed))) {
      return; // self, or bottom that leaves the keyed flag as it is: nothing would change
    }
    CausalCrdt<T, S> o = other;
    boolean resultKeyed = keyed && o.keyed;
    store.join(context, o.store, o.context, o.keyed, resultKeyed);
    if (keyed && !resultKeyed && store instanceof DotMap) {
      ((DotMap<?>) store).dropEmpty();
    } else if (keyed && !resultKeyed && store instanceof DotSeq dotSeq) {
      dotSeq.dropEmpty();
    }
    if (!pending.isEmpty() || !o.pending.isEmpty()) {
      // Still pending: pending on one side and not applied by the other. With P, C this side's
      // pending and context and P', C' the other's, that is (P \ (C' \ P')) ∪ (P' \ (C \ P)),
      // which equals (P \ C') ∪ (P' \ C) ∪ (P ∩ P'). When the other side touches none of P (a
      // delta joined into a big group or state, the common case) it is P ∪ (P' \ C): computed
      // from the small side only, so joining many deltas costs no pass over a big context each.
      if (pending.isEmpty()) {
        // A delta's removed dots were seen here already (a local write's always are).
        pending = o.pending.isSubsetOf(context) ? NO_PENDING : o.pending.minus(context);
      } else if (!o.context.intersects(pending)) {
        pending.addAll(o.pending.minus(context));
      } else {
        CausalContext mine = pending.minus(o.context.minus(o.pending));
        mine.addAll(o.pending.minus(context.minus(pending)));
        pending = mine;
      }
    }
    context.addAll(o.context);
    keyed = resultKeyed;
  }

  @Override
  @SuppressWarnings("unchecked")
  public T copy() {
    return create((S) store.copy(), context.copy(), pending.copy(), keyed);
  }

  /**
   * {@inheritDoc}
   *
   * <p>{@code remote} is the other replica's {@link #context()} (the events it has applied). The
   * delta holds the entries whose dots {@code remote} lacks, and the join context minus the dots
   * that this state holds and {@code remote} has applied: a dot removed here that {@code remote}
   * may still hold is in the delta's context and not in its store, so the join removes it there. If
   * {@code remote} has applied every event applied here, the delta is empty.
   */
  @Override
  @SuppressWarnings("unchecked")
  public T deltaSince(CausalContext remote) {
    CausalContext applied = appliedEvents();
    if (applied.isSubsetOf(remote)) {
      return create((S) store.emptyLike(), new CausalContext(), false);
    }
    List<long[]> held = new ArrayList<>();
    List<ReplicaId> heldReplicas = new ArrayList<>();
    store.forEachDotRange((r, lo, hi) -> {
      for (long c = lo; c <= hi; ) {
        long e = remote.sameUntil(r, c, hi);
        if (remote.contains(r, c)) {
          heldReplicas.add(r);
          held.add(new long[] {c, e});
        }
        c = e + 1;
      }
    });
    CausalContext deltaContext = context.minus(CausalContext.ofRanges(heldReplicas, held));
    CausalContext deltaPending = deltaContext.minus(applied.minus(remote));
    return create((S) store.copyOutside(remote, false), deltaContext, deltaPending, false);
  }

  /**
   * The events this state has applied: its join context minus the dots it knows of only because a
   * delta removed them. Sync compares these; see {@link DeltaCrdt#deltaSince}.
   */
  @Override
  public CausalContext context() {
    return appliedEvents();
  }

  private CausalContext appliedEvents() {
    return pending.isEmpty() ? context.copy() : context.minus(pending);
  }

  @Override
  public boolean isEmpty() {
    return store.isEmpty();
  }

  /** The live dot store, for codecs and storage. Read it; do not mutate it. */
  public S store() {
    return store;
  }

  /** The live join context (every dot seen), for codecs and storage. Read it; do not mutate it. */
  public CausalContext liveContext() {
    return context;
  }

  /** The live pending dots (seen but not applied), for codecs and storage. Do not mutate it. */
  public CausalContext livePending() {
    return pending;
  }

  /**
   * Restores the pending dots of a decoded state (codecs and storage only).
   *
   * @throws IllegalArgumentException unless {@code pending} is within the join context
   */
  public void restorePending(CausalContext pending) {
    Preconditions.requireArgument(pending.isSubsetOf(context), "pending dots outside the context");
    store.forEachDotRange((r, lo, hi) -> Preconditions.requireArgument(
        !pending.containsAny(r, lo, hi), "dots %s:%s..%s are held but pending", r, lo, hi));
    this.pending = pending;
  }

  /** True if this is a keyed delta (made by mutators), whose removals are witnessed by keys. */
  public boolean isKeyed() {
    return keyed;
  }

  /**
   * Wraps a mutation's delta store with its claim, joins it here and returns it. The dots the
   * mutation removed are pending in the delta: it names them without applying their events.
   */
  protected T applyDelta(Replica.Claim claim, S deltaStore) {
    // The context is the events plus what was removed: equal sizes mean nothing was removed.
    CausalContext removed = claim.context().dotCount() == claim.events().dotCount()
        ? NO_PENDING : claim.context().minus(claim.events());
    T delta = create(deltaStore, claim.context(), removed, true);
    join(delta);
    return delta;
  }

  /**
   * For a mutation that a subclass has already applied to its store in place (the fast path of
   * types with large stores, such as text): records the claimed counters in this state's context
   * and returns the delta, as {@link #applyDelta} would build it. The mutation must leave this state
   * equal to {@code before ⊔ delta}. {@code removed} (taken over; may be null) holds the dots the
   * mutation removed: they were held here, so they are in the context already, and they are
   * pending in the delta.
   */
  protected T appliedInPlace(
      ReplicaId replica, Replica.Counters claimed, CausalContext removed, S deltaStore) {
    CausalContext deltaContext;
    CausalContext deltaPending;
    if (removed == null || removed.isEmpty()) {
      deltaContext = new CausalContext();
      deltaPending = NO_PENDING;
    } else {
      deltaContext = removed.copy();
      deltaPending = removed;
    }
    deltaContext.addRange(replica, claimed.first(), claimed.last());
    context.addRange(replica, claimed.first(), claimed.last());
    return create(deltaStore, deltaContext, deltaPending, true);
  }

  @Override
  @SuppressWarnings("EqualsGetClass") // an OrMap never equals an AwSet over the same store
  public boolean equals(Object o) {
    if (o == null || o.getClass() != getClass()) {
      return false;
    }
    CausalCrdt<?, ?> c = (CausalCrdt<?, ?>) o;
    return store.equals(c.store) && context.equals(c.context) && pending.equals(c.pending);
  }

  @Override
  public int hashCode() {
    return (store.hashCode() * 31 + context.hashCode()) * 31 + pending.hashCode();
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + "{store=" + store + ", context=" + context
        + (pending.isEmpty() ? "" : ", pending=" + pending) + "}";
  }
}
