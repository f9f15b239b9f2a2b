package dev.meridian.crdt.store;

import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.clock.Dot;
import java.util.function.Consumer;

/**
 * A dot store: the payload of a causal CRDT state, whose context lives beside it. The join of two
 * states {@code (s, c) ⊔ (s', c')} keeps an entry if both sides hold it or if one side holds it and
 * the other has not seen its dot; an entry whose dot one side has seen but no longer holds was
 * removed there, and stays removed.
 *
 * <p>Mutable, single writer. Deltas produced by mutators are fresh stores owned by the caller.
 *
 * <p><b>Keyed deltas.</b> A delta made by a mutator names every key under which it removed dots (with
 * an empty store if nothing remains there). Joining such a delta only needs to visit those keys, so
 * applying a small delta to a large map costs O(delta). A full state or a {@code deltaSince} result
 * is not keyed: its removals are just dots in the context, and joining it visits every key.
 */
public abstract sealed class DotStore permits DotSet, DotFun, DotMap, DotSeq {
  DotStore() {}

  /**
   * True if this store holds nothing a join must keep: no dot, and for a sequence no element
   * record (a sequence keeps the ids and origins of removed elements, which order the others). A
   * map holding only empty entries is empty too.
   */
  public abstract boolean isEmpty();

  /**
   * True if this store shows a value: it holds a dot, or for a sequence a visible element, or for a
   * map an entry that shows a value. Only a sequence of removed elements (or a map holding only
   * such sequences) is non-empty yet invisible.
   */
  public boolean isVisible() {
    return !isEmpty();
  }

  /**
   * In place: {@code this := store((this, selfContext) ⊔ (other, otherContext))}. The contexts are
   * not changed; the caller joins them afterwards.
   *
   * @param otherKeyed {@code other} is a keyed delta, so keys absent from it are left as they are
   * @param keepEmpty keep map entries that become empty (the result is a keyed delta)
   * @throws IllegalArgumentException if {@code other} is a different kind of store
   */
  public abstract void join(
      CausalContext selfContext,
      DotStore other,
      CausalContext otherContext,
      boolean otherKeyed,
      boolean keepEmpty);

  /**
   * A deep copy restricted to the dots outside {@code exclude} (all dots if {@code exclude} is
   * null). With {@code keepEmpty} map entries left empty are kept.
   */
  public abstract DotStore copyOutside(CausalContext exclude, boolean keepEmpty);

  /** In place: removes every dot held in {@code context}; map entries left empty are dropped. */
  public abstract void removeIn(CausalContext context);

  /** Visits every dot held. */
  public abstract void forEachDot(Consumer<Dot> visitor);

  /**
   * Visits every replica this store refers to (codecs build their replica tables from it): the
   * replicas of its dots, and for a sequence those of its records and their origins. A replica may
   * be visited more than once.
   */
  public void forEachReplica(Consumer<dev.meridian.crdt.ReplicaId> visitor) {
    forEachDot(d -> visitor.accept(d.replica()));
  }

  /** Visits every dot held, as ranges of counters of one replica (a sequence holds long runs). */
  public void forEachDotRange(CausalContext.RangeVisitor visitor) {
    forEachDot(d -> visitor.range(d.replica(), d.counter(), d.counter()));
  }

  /** An empty store of the same kind. */
  public abstract DotStore emptyLike();

  /**
   * The removal witness of this store for a keyed delta: the same keys, recursively, with every dot
   * gone. Joining it (with the removed dots in the context) visits every key that held them.
   */
  public abstract DotStore skeleton();

  /** A deep copy. */
  public final DotStore copy() {
    return copyOutside(null, true);
  }

  /** Adds every dot held to {@code into}. */
  public final void collectDots(CausalContext into) {
    forEachDotRange(into::addRange);
  }
}
