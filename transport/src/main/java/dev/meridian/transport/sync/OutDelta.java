package dev.meridian.transport.sync;

import com.google.protobuf.ByteString;
import dev.meridian.crdt.clock.CausalContext;

/**
 * A delta ready to send: its document key, its encoded blob (shared by every peer it goes to, and
 * relayed as received, never re-encoded) and the events it carries.
 *
 * @param key the document key
 * @param delta the crdt-core blob
 * @param events the events the delta carries (treat as immutable)
 */
record OutDelta(String key, ByteString delta, CausalContext events) {
  /** An estimate of the bytes this delta adds to a batch frame. */
  int weight() {
    return key.length() + delta.size() + 8;
  }
}
