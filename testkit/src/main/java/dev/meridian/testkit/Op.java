package dev.meridian.testkit;

import dev.meridian.crdt.Replica;
import java.util.Objects;
import java.util.function.BiFunction;

/**
 * One mutation that a replica may apply to its state: a call of one of the type's delta mutators
 * with fixed arguments.
 *
 * <p>An op is a value: applying it twice (to two replicas' states) performs the same call twice.
 * The harness calls {@link #apply} on the state owned by {@code replica} only, as the {@link
 * Replica} rule demands.
 *
 * @param <T> the CRDT type
 */
public interface Op<T> {
  /**
   * Applies the mutation to {@code state} in place as {@code replica} and returns the delta the
   * mutator returned. Returns {@code null} if the type refuses the mutation in this state (for
   * example a document write that clashes with a value of another type); a refused op must leave
   * {@code state} unchanged, and the harness checks that it does.
   */
  T apply(T state, Replica replica);

  /** A short description for failure reports, such as {@code set(a.b, 3)}. */
  default String description() {
    return toString();
  }

  /** An op with the given description that calls {@code mutator(state, replica)}. */
  static <T> Op<T> of(String description, BiFunction<T, Replica, T> mutator) {
    return new Named<>(description, mutator);
  }

  /** The op made by {@link #of}. */
  final class Named<T> implements Op<T> {
    private final String description;
    private final BiFunction<T, Replica, T> mutator;

    Named(String description, BiFunction<T, Replica, T> mutator) {
      this.description = Objects.requireNonNull(description, "description");
      this.mutator = Objects.requireNonNull(mutator, "mutator");
    }

    @Override
    public T apply(T state, Replica replica) {
      return mutator.apply(state, replica);
    }

    @Override
    public String description() {
      return description;
    }

    @Override
    public String toString() {
      return description;
    }
  }
}
