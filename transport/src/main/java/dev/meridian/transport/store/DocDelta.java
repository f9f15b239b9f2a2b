package dev.meridian.transport.store;

import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.doc.Document;
import java.util.Objects;

/**
 * The delta of one document and the events it carries: what replication moves between stores.
 *
 * <p>{@code events} are the dots of the writes <em>to this document</em> whose effects {@code delta}
 * holds. They are not the delta's context: under crdt-core's claim rule a document's context also
 * names dots its writer minted for other documents (see {@link ReplicaStore}), so only the events
 * tell a receiver which writes it now holds.
 *
 * @param key the document's key
 * @param delta a mutator delta or a {@code deltaSince} result; unbound, treat as immutable
 * @param events the events carried, within {@code delta}'s applied context; treat as immutable
 */
public record DocDelta(String key, Document delta, CausalContext events) {
  /** Checks for nulls. */
  public DocDelta {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(delta, "delta");
    Objects.requireNonNull(events, "events");
  }
}
