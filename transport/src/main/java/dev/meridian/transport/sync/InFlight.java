package dev.meridian.transport.sync;

import dev.meridian.crdt.clock.CausalContext;
import java.util.ArrayDeque;

/**
 * Batches sent to one peer and not yet acknowledged, with the events each carried. An ack for seq
 * n settles every batch up to n; the events of a settled batch that the ack's context lacks were
 * lost and must be sent again. A batch still unacknowledged a loss timeout after it was sent counts
 * as lost too (the last batch of a burst has no successor whose ack would settle it). Loss within
 * a stream happens only on an unreliable network (the simulation); over gRPC it would take a
 * receiver slower than the timeout, and then costs a resend. Bounded by the caller, which stops
 * sending while {@link #bytes()} is over its limit.
 */
final class InFlight {
  private record Batch(long seq, CausalContext events, int bytes, long sentAt) {}

  private final ArrayDeque<Batch> batches = new ArrayDeque<>();
  private long bytes;

  void sent(long seq, CausalContext events, int size, long now) {
    batches.addLast(new Batch(seq, events, size, now));
    bytes += size;
  }

  /**
   * Settles batches up to {@code seq} and those sent before {@code lostBefore}; returns the events
   * they carried that {@code peer} lacks.
   */
  CausalContext acked(long seq, CausalContext peer, long lostBefore) {
    CausalContext lost = new CausalContext();
    while (!batches.isEmpty()
        && (batches.peekFirst().seq() <= seq || batches.peekFirst().sentAt() < lostBefore)) {
      Batch b = batches.pollFirst();
      bytes -= b.bytes();
      if (!b.events().isSubsetOf(peer)) {
        lost.addAll(b.events().minus(peer));
      }
    }
    return lost;
  }

  long bytes() {
    return bytes;
  }

  int size() {
    return batches.size();
  }

  void clear() {
    batches.clear();
    bytes = 0;
  }
}
