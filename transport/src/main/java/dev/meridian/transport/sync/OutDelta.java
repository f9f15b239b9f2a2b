package dev.meridian.transport.sync;

import com.google.protobuf.ByteString;
import dev.meridian.crdt.clock.CausalContext;
import java.util.ArrayList;
import java.util.List;

/**
 * A delta ready to send, or one part of one: its document key, its encoded blob (shared by every
 * peer it goes to, and relayed as received, never re-encoded) and the events it carries.
 *
 * <p>A part ({@code parts >= 2}) holds a slice of the blob; only the last part carries the
 * delta's events, since the receiver applies nothing before the last part arrives.
 *
 * @param key the document key
 * @param delta the crdt-core blob, or this part's slice of it
 * @param events the events the delta carries (treat as immutable); empty for all but the last part
 * @param part this part's number, 1 to {@code parts}; 0 for a whole delta
 * @param parts the number of parts; 0 for a whole delta
 * @param totalBytes the whole blob's size; 0 for a whole delta
 */
record OutDelta(String key, ByteString delta, CausalContext events, int part, int parts,
    long totalBytes) {
  private static final CausalContext NONE = new CausalContext();

  /** A whole delta. */
  OutDelta(String key, ByteString delta, CausalContext events) {
    this(key, delta, events, 0, 0, 0);
  }

  /** An estimate of the bytes this delta adds to a batch frame. */
  int weight() {
    return key.length() + delta.size() + (parts == 0 ? 8 : 24);
  }

  /** True if this is the last part of a delta, or a whole delta. */
  boolean last() {
    return part == parts;
  }

  /**
   * This whole delta cut into parts of at most {@code partBytes} bytes (itself, alone, if it fits
   * in one). The slices share the blob's bytes.
   */
  List<OutDelta> split(int partBytes) {
    if (delta.size() <= partBytes) {
      return List.of(this);
    }
    int n = (int) ((delta.size() + (long) partBytes - 1) / partBytes);
    List<OutDelta> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      int from = i * partBytes;
      int to = Math.min(delta.size(), from + partBytes);
      out.add(new OutDelta(key, delta.substring(from, to), i == n - 1 ? events : NONE, i + 1, n,
          delta.size()));
    }
    return out;
  }
}
