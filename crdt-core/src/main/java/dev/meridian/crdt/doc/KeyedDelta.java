package dev.meridian.crdt.doc;

import dev.meridian.crdt.clock.CausalContext;
import java.util.Objects;

/**
 * The delta of one document, with its key and the events it carries: what a store's sync query
 * answers, what a local write announces, and what replication moves between stores.
 *
 * <p>{@code events} are the dots of the writes <em>to this document</em> whose effects {@code delta}
 * holds: within its applied context, {@code delta.context()} (a context holds only its own
 * document's dots; dots a delta removed without applying them are pending, not applied). They are
 * kept apart so that a store need not recompute them, and so that a sender can name only the
 * events a receiver lacks.
 *
 * @param key the document's key
 * @param delta a mutator delta or a {@code deltaSince} result; unbound, treat as immutable
 * @param events the events carried, within {@code delta}'s applied context; treat as immutable
 */
public record KeyedDelta(String key, Document delta, CausalContext events) {
  /** Checks for nulls. */
  public KeyedDelta {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(delta, "delta");
    Objects.requireNonNull(events, "events");
  }

  /** The delta of document {@code key}, with its applied context as its events. */
  public static KeyedDelta of(String key, Document delta) {
    return new KeyedDelta(key, delta, delta.context());
  }
}
