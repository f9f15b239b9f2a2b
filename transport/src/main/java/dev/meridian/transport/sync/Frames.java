package dev.meridian.transport.sync;

import com.google.protobuf.ByteString;
import dev.meridian.crdt.ReplicaId;
import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.codec.CodecException;
import dev.meridian.crdt.codec.CrdtCodec;
import dev.meridian.crdt.doc.Document;
import dev.meridian.transport.proto.Delta;
import dev.meridian.transport.proto.DeltaBatch;
import dev.meridian.transport.proto.SyncFrame;
import dev.meridian.transport.store.DocDelta;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Encoding of batches and validation of incoming ones. Validation is complete before anything is
 * applied: every delta decodes, every event lies within its delta, every key is acceptable.
 */
final class Frames {
  /*
   * Design notes.
   * [1] Events are packed per batch against a replica table, each range as (index, zigzag(start -
   *     previous end of that replica in this batch), count - 1). Consecutive writes of one replica
   *     in a batch then cost about three bytes each.
   * [2] The checks mirror the proto comments; each refusal names the delta index and key.
   */
  private Frames() {}

  /** Collects deltas into a batch of bounded size. */
  static final class BatchBuilder {
    private final List<OutDelta> deltas = new ArrayList<>();
    private final CausalContext events = new CausalContext();
    private int bytes;

    boolean isEmpty() {
      return deltas.isEmpty();
    }

    int bytes() {
      return bytes;
    }

    /** True if {@code d} may join: the batch is empty, or stays within both limits. */
    boolean fits(OutDelta d, int maxBytes, int maxDeltas) {
      return deltas.isEmpty() || (deltas.size() < maxDeltas && bytes + d.weight() <= maxBytes);
    }

    void add(OutDelta d) {
      deltas.add(d);
      events.addAll(d.events());
      bytes += d.weight();
    }

    int size() {
      return deltas.size();
    }

    /** The union of the events of the deltas added. */
    CausalContext events() {
      return events;
    }

    SyncFrame build(long seq) {
      DeltaBatch.Builder b = DeltaBatch.newBuilder().setSeq(seq);
      Map<ReplicaId, Integer> table = new HashMap<>();
      Map<ReplicaId, Long> previousEnd = new HashMap<>();
      for (OutDelta d : deltas) {
        Delta.Builder db = Delta.newBuilder().setKey(d.key()).setDelta(d.delta());
        d.events().forEachRange((r, lo, hi) -> {
          Integer index = table.get(r);
          if (index == null) {
            index = table.size();
            table.put(r, index);
            b.addReplicas(r.value());
          }
          long prev = previousEnd.getOrDefault(r, 0L);
          db.addEvents(index);
          db.addEvents(zigzag(lo - prev));
          db.addEvents(hi - lo);
          previousEnd.put(r, hi);
        });
        b.addDeltas(db);
      }
      return SyncFrame.newBuilder().setBatch(b).build();
    }
  }

  /** A validated batch: decoded deltas to apply, and the same deltas as received, to relay. */
  record DecodedBatch(long seq, List<DocDelta> deltas, List<OutDelta> raw) {}

  /**
   * Validates a batch completely.
   *
   * @throws BadFrameException naming the first problem found
   */
  static DecodedBatch decode(DeltaBatch batch) throws BadFrameException {
    if (batch.getSeq() < 1) {
      throw bad("batch seq must be at least 1, was %s", Long.toUnsignedString(batch.getSeq()));
    }
    if (batch.getDeltasCount() == 0) {
      throw bad("batch %d holds no delta", batch.getSeq());
    }
    List<ReplicaId> table = new ArrayList<>(batch.getReplicasCount());
    java.util.Set<ReplicaId> seen = new java.util.HashSet<>();
    for (long id : batch.getReplicasList()) {
      ReplicaId r = ReplicaId.of(id);
      if (!seen.add(r)) {
        throw bad("batch %d: replica %s appears twice in the replica table", batch.getSeq(), r);
      }
      table.add(r);
    }
    long[] previousEnd = new long[table.size()];
    List<DocDelta> decoded = new ArrayList<>(batch.getDeltasCount());
    List<OutDelta> raw = new ArrayList<>(batch.getDeltasCount());
    for (int i = 0; i < batch.getDeltasCount(); i++) {
      Delta d = batch.getDeltas(i);
      String key = d.getKey();
      int keyBytes = key.getBytes(StandardCharsets.UTF_8).length;
      if (keyBytes < 1 || keyBytes > SyncConfig.MAX_KEY_BYTES) {
        throw bad("delta %d: key must be 1 to %d bytes, was %d", i, SyncConfig.MAX_KEY_BYTES,
            keyBytes);
      }
      Document doc;
      try {
        doc = CrdtCodec.decodeDocument(d.getDelta().toByteArray());
      } catch (CodecException e) {
        throw bad("delta %d (key '%s'): %s", i, abbreviate(key), e.getMessage());
      }
      CausalContext events = decodeEvents(d, i, key, table, previousEnd);
      if (!events.isSubsetOf(doc.context())) {
        throw bad("delta %d (key '%s'): events %s lie outside the delta's context", i,
            abbreviate(key), events.minus(doc.context()));
      }
      decoded.add(new DocDelta(key, doc, events));
      raw.add(new OutDelta(key, d.getDelta(), events));
    }
    return new DecodedBatch(batch.getSeq(), decoded, raw);
  }

  private static CausalContext decodeEvents(Delta d, int i, String key, List<ReplicaId> table,
      long[] previousEnd) throws BadFrameException {
    int n = d.getEventsCount();
    if (n == 0 || n % 3 != 0) {
      throw bad("delta %d (key '%s'): events must be a non-empty list of triples, found %d numbers",
          i, abbreviate(key), n);
    }
    CausalContext events = new CausalContext();
    for (int j = 0; j < n; j += 3) {
      long index = d.getEvents(j);
      if (index < 0 || index >= table.size()) {
        throw bad("delta %d (key '%s'): event replica index %s outside the table of %d", i,
            abbreviate(key), Long.toUnsignedString(index), table.size());
      }
      int r = (int) index;
      long extra = d.getEvents(j + 2);
      long start;
      long last;
      try {
        start = Math.addExact(previousEnd[r], unzigzag(d.getEvents(j + 1)));
        last = extra < 0 ? -1 : Math.addExact(start, extra);
      } catch (ArithmeticException e) {
        throw bad("delta %d (key '%s'): event range overflows", i, abbreviate(key));
      }
      if (start < 1 || last < start) {
        throw bad("delta %d (key '%s'): bad event range starting at %d", i, abbreviate(key), start);
      }
      events.addRange(table.get(r), start, last);
      previousEnd[r] = last;
    }
    return events;
  }

  /** Encodes a context as a crdt-core bare context blob. */
  static ByteString encodeContext(CausalContext context) {
    return ByteString.copyFrom(CrdtCodec.encode(context));
  }

  /** Decodes a context blob, or refuses it. */
  static CausalContext decodeContext(ByteString bytes, String what) throws BadFrameException {
    try {
      return CrdtCodec.decodeContext(bytes.toByteArray());
    } catch (CodecException e) {
      throw bad("%s: %s", what, e.getMessage());
    }
  }

  static BadFrameException bad(String format, Object... args) {
    return new BadFrameException(Refusal.Code.INVALID_ARGUMENT,
        String.format(java.util.Locale.ROOT, format, args));
  }

  static String abbreviate(String s) {
    return s.length() <= 64 ? s : s.substring(0, 61) + "...";
  }

  static long zigzag(long v) {
    return (v << 1) ^ (v >> 63);
  }

  static long unzigzag(long v) {
    return (v >>> 1) ^ -(v & 1);
  }
}
