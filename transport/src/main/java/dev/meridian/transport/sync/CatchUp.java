package dev.meridian.transport.sync;

import com.google.protobuf.ByteString;
import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.codec.CrdtCodec;
import dev.meridian.crdt.doc.KeyedDelta;
import dev.meridian.transport.store.ReplicaStore;
import dev.meridian.transport.store.SyncCursor;
import java.util.List;
import java.util.function.Consumer;

/**
 * Catch-up with one peer: deciding when to walk the store for what the peer lacks, and the walk
 * itself, pulled one document at a time and only as far as the next batch needs.
 *
 * <p>When: after the handshake; after pushes were dropped (a full push queue or hand-off), once the
 * push queue has drained; and when the same events are missing in two Acks in a row. Once would
 * be too eager: events between the store and the push queue, or in a frame on its way, look
 * missing for a moment.
 */
final class CatchUp {
  private SyncCursor cursor;
  private final java.util.ArrayDeque<OutDelta> carried = new java.util.ArrayDeque<>();
  private CausalContext lastMissing;
  private boolean requested;
  private long walks;

  /** True while a walk runs. */
  boolean active() {
    return cursor != null;
  }

  /** The walks started so far. */
  long walks() {
    return walks;
  }

  /** Asks for a walk once the push queue has drained. */
  void request() {
    requested = true;
  }

  /** True if a walk was asked for and none runs. */
  boolean requested() {
    return requested && cursor == null;
  }

  /** Starts a walk over what a store with context {@code peer} lacks, unless one runs. */
  void start(ReplicaStore store, CausalContext peer) {
    if (cursor != null) {
      return;
    }
    walks++;
    requested = false;
    lastMissing = null;
    cursor = store.syncQuery(peer.copy());
  }

  /**
   * Notes what an Ack showed missing (held here, not reported by the peer, not on its way); true if
   * some of it was missing at the previous Ack too, so a walk should start.
   */
  boolean missingTwice(CausalContext missing) {
    if (missing.isEmpty()) {
      lastMissing = null;
      return false;
    }
    boolean twice = lastMissing != null && !missing.minus(lastMissing).equals(missing);
    lastMissing = missing;
    return twice;
  }

  /**
   * The next batch of the walk: documents whose events are all in {@code sent} are skipped; what
   * goes into the batch is added to {@code sent}; a delta larger than {@code maxPartBytes} goes in
   * parts, one or more batches each, before the next document, if {@code parts} (the peer takes
   * them); a delta over the maximum document size, or one that would need parts the peer does not
   * take, is reported to {@code oversized} and skipped. Empty when the walk has ended.
   */
  Frames.BatchBuilder fill(CausalContext sent, SyncConfig config, boolean parts,
      Consumer<OutDelta> oversized) {
    Frames.BatchBuilder b = new Frames.BatchBuilder();
    while (cursor != null) {
      OutDelta d = carried.pollFirst();
      if (d == null) {
        KeyedDelta next = cursor.next();
        if (next == null) {
          close();
          break;
        }
        if (next.events().isSubsetOf(sent)) {
          continue;
        }
        OutDelta whole = new OutDelta(next.key(),
            ByteString.copyFrom(CrdtCodec.encode(next.delta())), next.events());
        if (whole.delta().size() > config.maxDocumentBytes
            || (!parts && whole.weight() + 64 > config.maxMessageBytes)) {
          oversized.accept(whole);
          sent.addAll(whole.events());
          continue;
        }
        carried.addAll(parts ? whole.split(config.maxPartBytes) : List.of(whole));
        d = carried.pollFirst();
      }
      if (!b.fits(d, config.maxBatchBytes, config.maxBatchDeltas)) {
        carried.addFirst(d);
        break;
      }
      b.add(d);
      sent.addAll(d.events());
    }
    return b;
  }

  /** Ends the walk, if any. */
  void close() {
    carried.clear();
    if (cursor != null) {
      cursor.close();
      cursor = null;
    }
  }
}
