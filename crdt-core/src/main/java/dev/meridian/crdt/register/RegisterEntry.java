package dev.meridian.crdt.register;

import dev.meridian.crdt.Scalars;

/**
 * One write held by a register: a scalar value and the hybrid-logical-clock timestamp of the write.
 *
 * @param value a scalar (see {@link Scalars}); null is JSON null
 * @param timestamp the writer's hybrid clock reading
 */
public record RegisterEntry(Object value, long timestamp) {
  /** Normalizes the value; see {@link Scalars#normalize}. */
  public RegisterEntry {
    value = Scalars.normalize(value);
  }
}
