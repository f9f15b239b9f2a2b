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
  /** A copy of the causal context: every dot this state has seen. */
  CausalContext context();

  /**
   * The part of this state that a replica with context {@code remote} lacks: the entries whose dots
   * are outside {@code remote}, with a context that carries the removals that replica may not have
   * applied: every dot of this context except the entries left out because {@code remote} has seen
   * them (a removed entry's dot may be in {@code remote} while the entry is still held there, as
   * deltas arrive in any order). Holds no entry if {@code remote} has seen every dot here, but its
   * context may still carry removals.
   */
  T deltaSince(CausalContext remote);

  /** True if this state holds no entry (its context may still hold dots). */
  boolean isEmpty();
}
