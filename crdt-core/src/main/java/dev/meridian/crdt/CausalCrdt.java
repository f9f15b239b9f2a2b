package dev.meridian.crdt;

import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.store.DotMap;
import dev.meridian.crdt.store.DotStore;
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
  /** The dot store; mutated only through joins. */
  protected final S store;

  /** Every dot this state has seen. */
  protected final CausalContext context;

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

  @SuppressWarnings("unchecked")
  private T self() {
    return (T) this;
  }

  @Override
  public void join(T other) {
    if (other == this) {
      return;
    }
    boolean resultKeyed = keyed && other.keyed;
    store.join(context, other.store, other.context, other.keyed, resultKeyed);
    if (keyed && !resultKeyed && store instanceof DotMap) {
      ((DotMap<?>) store).dropEmpty();
    }
    context.addAll(other.context);
    keyed = resultKeyed;
  }

  @Override
  @SuppressWarnings("unchecked")
  public T copy() {
    return create((S) store.copy(), context.copy(), keyed);
  }

  @Override
  @SuppressWarnings("unchecked")
  public T deltaSince(CausalContext remote) {
    // A removal is a dot in the context without an entry. The remote may still hold an entry this
    // state removed even though it has seen that entry's dot (it saw the add, not the removal; or,
    // since deltas arrive in any order, a later delta's context named the dot), so the delta's
    // context keeps every dot of this context except the entries it leaves out because the remote
    // has seen them: joining it removes exactly what this state removed. This holds even when the
    // remote has seen every dot here, so there is no empty shortcut.
    CausalContext seenEntries = new CausalContext();
    store.forEachDot(d -> {
      if (remote.contains(d)) {
        seenEntries.add(d);
      }
    });
    return create((S) store.copyOutside(remote, false), context.minus(seenEntries), false);
  }

  @Override
  public CausalContext context() {
    return context.copy();
  }

  @Override
  public boolean isEmpty() {
    return store.isEmpty();
  }

  /**
   * The live dot store, for codecs and storage. Read it; do not mutate it.
   */
  public S store() {
    return store;
  }

  /** The live causal context, for codecs and storage. Read it; do not mutate it. */
  public CausalContext liveContext() {
    return context;
  }

  /** True if this is a keyed delta (made by mutators), whose removals are witnessed by keys. */
  public boolean isKeyed() {
    return keyed;
  }

  /** Wraps a delta store with its claim's context, joins it here and returns it. */
  protected T applyDelta(S deltaStore, CausalContext deltaContext) {
    T delta = create(deltaStore, deltaContext, true);
    join(delta);
    return delta;
  }

  @Override
  public boolean equals(Object o) {
    if (o == null || o.getClass() != getClass()) {
      return false;
    }
    CausalCrdt<?, ?> c = (CausalCrdt<?, ?>) o;
    return store.equals(c.store) && context.equals(c.context);
  }

  @Override
  public int hashCode() {
    return store.hashCode() * 31 + context.hashCode();
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + "{store=" + store + ", context=" + context + "}";
  }
}
