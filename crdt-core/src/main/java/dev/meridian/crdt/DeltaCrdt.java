package dev.meridian.crdt;

import dev.meridian.crdt.clock.CausalContext;

/**
 * A causal delta-CRDT: a dot store with a causal context. Every mutator returns a delta, itself a
 * state of the same type, holding just the change; joining the delta anywhere has the effect of the
 * mutation. Deltas may be joined in any order, any number of times.
 *
 * <p>Law: {@code remote ⊔ local.deltaSince(remote.context()) == remote ⊔ local}.
 *
 * @param <T> the implementing type
 * @see <a href="https://arxiv.org/abs/1603.01529">Almeida, Shoker, Baquero: Delta State Replicated
 *     Data Types (JPDC 2018)</a>
 */
public interface DeltaCrdt<T extends DeltaCrdt<T>> extends Crdt<T> {
  /**
   * A copy of the events this state has applied: the dots whose own writes it has joined. A state
   * may also have seen dots it has not applied (a delta names the dots it removed or replaced, and
   * deltas arrive in any order); those are not among them. Sync compares these.
   */
  CausalContext context();

  /**
   * The part of this state that a replica whose {@link #context()} (events applied) is {@code
   * remote} lacks: the entries whose dots are outside {@code remote}, and a context that carries
   * the removals that replica may not have seen: every dot this state has seen except the held
   * dots {@code remote} already has. (A removed dot inside {@code remote} may still be held there,
   * so it must be carried; the context can thus be fragmented by the live dots it skips.)
   */
  T deltaSince(CausalContext remote);

  /** True if this state holds no entry (its context may still hold dots). */
  boolean isEmpty();
}
