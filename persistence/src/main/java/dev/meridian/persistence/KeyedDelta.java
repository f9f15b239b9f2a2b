package dev.meridian.persistence;

import dev.meridian.crdt.doc.Document;
import java.util.Objects;

/**
 * One document's part of a sync answer: its key and the delta the asking replica lacks.
 *
 * @param key the document key
 * @param delta the document's {@code deltaSince} the asking context (unbound; owned by the caller)
 */
public record KeyedDelta(String key, Document delta) {
  /** Rejects nulls. */
  public KeyedDelta {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(delta, "delta");
  }
}
