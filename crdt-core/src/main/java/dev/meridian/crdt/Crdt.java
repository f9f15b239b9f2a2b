package dev.meridian.crdt;

/**
 * A state-based CRDT whose states form a join-semilattice.
 *
 * <p>{@link #join} is commutative, associative and idempotent, so replicas that have joined the
 * same states hold equal states, whatever the order and number of joins.
 *
 * @param <T> the implementing type
 */
public interface Crdt<T extends Crdt<T>> {
  /**
   * Joins {@code other} into this state, in place (this := this ⊔ other). {@code other} is not
   * changed and shares nothing with this state afterwards.
   */
  void join(T other);

  /** An independent deep copy. */
  T copy();
}
