package dev.meridian.transport.sync;

import com.google.protobuf.ByteString;
import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.codec.CodecException;
import dev.meridian.crdt.codec.CrdtCodec;
import dev.meridian.crdt.doc.Document;
import dev.meridian.transport.proto.Delta;
import dev.meridian.transport.proto.DeltaBatch;
import dev.meridian.transport.proto.DeltaList;
import dev.meridian.transport.proto.SyncFrame;
import dev.meridian.crdt.doc.KeyedDelta;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Encoding of batches and validation of incoming ones. Validation is complete before anything is
 * applied: every delta decodes, carries at least one event, and every key is acceptable; parts of
 * a large delta are collected by the stream's {@link PartAssembly} and validated once whole.
 */
final class Frames {
  /*
   * Design notes.
   * [1] A delta's events are its applied context (crdt-core: a document's context holds its own
   *     dots only), so frames carry no separate list of events.
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
      return build(seq, null);
    }

    /** The batch frame, its deltas compressed by {@code compression} unless that is null. */
    SyncFrame build(long seq, StreamCompression compression) {
      DeltaBatch.Builder b = DeltaBatch.newBuilder().setSeq(seq);
      if (compression == null) {
        for (OutDelta d : deltas) {
          b.addDeltas(wire(d));
        }
      } else {
        DeltaList.Builder list = DeltaList.newBuilder();
        for (OutDelta d : deltas) {
          list.addDeltas(wire(d));
        }
        b.setDeflated(compression.compress(list.build().toByteArray()));
      }
      return SyncFrame.newBuilder().setBatch(b).build();
    }
  }

  private static Delta.Builder wire(OutDelta d) {
    Delta.Builder b = Delta.newBuilder().setKey(d.key()).setDelta(d.delta());
    if (d.parts() > 0) {
      b.setParts(d.parts()).setPart(d.part()).setTotalBytes(d.totalBytes());
    }
    return b;
  }

  /**
   * A validated batch: decoded deltas to apply, and the same deltas as received (a delta sent in
   * parts as its whole blob), to relay. A batch of parts only has none.
   */
  record DecodedBatch(long seq, List<KeyedDelta> deltas, List<OutDelta> raw) {}

  /**
   * Validates a batch completely.
   *
   * @throws BadFrameException naming the first problem found
   */
  static DecodedBatch decode(DeltaBatch batch, PartAssembly parts, long maxDocumentBytes)
      throws BadFrameException {
    if (!batch.getDeflated().isEmpty()) {
      throw bad("batch %d is compressed, which was not agreed", batch.getSeq());
    }
    if (batch.getSeq() < 1) {
      throw bad("batch seq must be at least 1, was %s", Long.toUnsignedString(batch.getSeq()));
    }
    if (batch.getDeltasCount() == 0) {
      throw bad("batch %d holds no delta", batch.getSeq());
    }
    List<KeyedDelta> decoded = new ArrayList<>(batch.getDeltasCount());
    List<OutDelta> raw = new ArrayList<>(batch.getDeltasCount());
    for (int i = 0; i < batch.getDeltasCount(); i++) {
      Delta d = batch.getDeltas(i);
      String key = d.getKey();
      int keyBytes = key.getBytes(StandardCharsets.UTF_8).length;
      if (keyBytes < 1 || keyBytes > SyncConfig.MAX_KEY_BYTES) {
        throw bad("delta %d: key must be 1 to %d bytes, was %d", i, SyncConfig.MAX_KEY_BYTES,
            keyBytes);
      }
      ByteString blob = d.getDelta();
      if (d.getParts() != 0 || d.getPart() != 0 || d.getTotalBytes() != 0) {
        blob = parts.accept(d, i, maxDocumentBytes);
        if (blob == null) {
          continue;
        }
      }
      Document doc;
      try {
        doc = CrdtCodec.decodeDocument(blob.toByteArray());
      } catch (CodecException e) {
        throw bad("delta %d (key '%s'): %s", i, abbreviate(key), e.getMessage());
      }
      CausalContext events = doc.context();
      if (events.isEmpty()) {
        throw bad("delta %d (key '%s') carries no event", i, abbreviate(key));
      }
      decoded.add(new KeyedDelta(key, doc, events));
      raw.add(new OutDelta(key, blob, events));
    }
    return new DecodedBatch(batch.getSeq(), decoded, raw);
  }

  /** {@link #decode(DeltaBatch, PartAssembly, long)} for a batch of whole deltas (tests). */
  static DecodedBatch decode(DeltaBatch batch) throws BadFrameException {
    return decode(batch, new PartAssembly(), SyncConfig.DEFAULT_MAX_DOCUMENT_BYTES);
  }

  /** {@link #decodeCompressed(DeltaBatch, StreamCompression, int, PartAssembly, long)} (tests). */
  static DecodedBatch decodeCompressed(DeltaBatch batch, StreamCompression compression, int limit)
      throws BadFrameException {
    return decodeCompressed(batch, compression, limit, new PartAssembly(),
        SyncConfig.DEFAULT_MAX_DOCUMENT_BYTES);
  }

  /**
   * Inflates a compressed batch with the stream's {@code compression} and validates it.
   *
   * @throws BadFrameException if it does not inflate, is too big, or fails {@link #decode}
   */
  static DecodedBatch decodeCompressed(DeltaBatch batch, StreamCompression compression, int limit,
      PartAssembly parts, long maxDocumentBytes) throws BadFrameException {
    if (batch.getDeltasCount() > 0) {
      throw bad("batch %d holds both plain and compressed deltas", batch.getSeq());
    }
    DeltaList list;
    try {
      list = DeltaList.parseFrom(compression.decompress(batch.getDeflated(), limit));
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw bad("batch %d: compressed deltas do not parse: %s", batch.getSeq(), e.getMessage());
    }
    return decode(DeltaBatch.newBuilder().setSeq(batch.getSeq()).addAllDeltas(list.getDeltasList())
        .build(), parts, maxDocumentBytes);
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
}
