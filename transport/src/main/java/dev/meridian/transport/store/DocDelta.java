package dev.meridian.transport.store;

import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.doc.Document;
import java.util.Objects;

/**
 * The delta of one document and the events it carries: what replication moves between stores.
 *
 * <p>{@code events} are the dots of the writes <em>to this document</em> whose effects {@code delta}
 * holds: its applied context, {@code delta.context()} (a crdt-core context holds only its own
 * document's dots; dots a delta removed without applying them are pending, not applied). They are
 * kept apart so that a store need not recompute them (see {@link ReplicaStore}).
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

  /** The delta of document {@code key}, with its applied context as its events. */
  public static DocDelta of(String key, Document delta) {
    return new DocDelta(key, delta, delta.context());
  }
}
