package dev.meridian.transport.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.meridian.crdt.Replica;
import dev.meridian.crdt.clock.Dot;
import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.codec.CrdtCodec;
import dev.meridian.crdt.doc.Document;
import dev.meridian.transport.proto.Delta;
import dev.meridian.transport.proto.DeltaBatch;
import dev.meridian.transport.proto.SyncFrame;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FramesTest {
  @Test
  void decode_builtBatch_roundTrips() throws Exception {
    Replica a = Replica.random();
    Replica b = Replica.random();
    Document da = Document.create(a);
    Document db = Document.create(b);
    Frames.BatchBuilder builder = new Frames.BatchBuilder();
    List<OutDelta> sent = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      Document doc = i % 3 == 0 ? db : da;
      Document delta = doc.increment("n" + (i % 4), 1);
      OutDelta d = new OutDelta("k" + i, ByteString.copyFrom(CrdtCodec.encode(delta)),
          delta.context());
      sent.add(d);
      builder.add(d);
    }
    SyncFrame f = builder.build(7);
    Frames.DecodedBatch decoded = Frames.decode(f.getBatch());
    assertEquals(7, decoded.seq());
    assertEquals(sent, decoded.raw());
  }

  @Test
  void decode_eventsAreTheAppliedContext_notTheRemovedDots() throws Exception {
    Replica a = Replica.random();
    Document doc = Document.create(a);
    doc.add("s", "x");
    Document removal = doc.removeElement("s", "x"); // removes dot 1 with dot 2
    Frames.BatchBuilder builder = new Frames.BatchBuilder();
    builder.add(new OutDelta("k", ByteString.copyFrom(CrdtCodec.encode(removal)),
        removal.context()));
    CausalContext events = Frames.decode(builder.build(1).getBatch()).deltas().get(0).events();
    assertEquals(CausalContext.of(new Dot(a.id(), 2)), events);
  }

  @Test
  void decode_badInput_isRefusedWithAReason() {
    Replica a = Replica.random();
    Document delta = Document.create(a).set("x", 1);
    Delta good = Delta.newBuilder().setKey("k").setDelta(ByteString.copyFrom(
        CrdtCodec.encode(delta))).build();
    DeltaBatch base = DeltaBatch.newBuilder().setSeq(1).addDeltas(good).build();
    assertRefused(base.toBuilder().setSeq(0).build(), "seq must be at least 1");
    assertRefused(base.toBuilder().clearDeltas().build(), "holds no delta");
    assertRefused(base.toBuilder().setDeltas(0, good.toBuilder().setKey("")).build(),
        "key must be 1 to 1024 bytes");
    assertRefused(base.toBuilder().setDeltas(0, good.toBuilder().setKey("x".repeat(1025)))
        .build(), "key must be 1 to 1024 bytes");
    assertRefused(base.toBuilder().setDeltas(0, good.toBuilder().setDelta(
        ByteString.copyFrom(new byte[] {1, 2, 3}))).build(), "delta 0 (key 'k')");
    assertRefused(base.toBuilder().setDeltas(0, good.toBuilder().setDelta(ByteString.copyFrom(
        CrdtCodec.encode(Document.empty())))).build(), "carries no event");
  }

  private static void assertRefused(DeltaBatch batch, String reason) {
    BadFrameException e = assertThrows(BadFrameException.class, () -> Frames.decode(batch));
    assertEquals(Refusal.Code.INVALID_ARGUMENT, e.refusal().code());
    assertTrue(e.refusal().reason().contains(reason), e.refusal().reason());
  }


  @Test
  void compressedBatches_roundTripAcrossAStream_andShrink() throws Exception {
    Replica a = Replica.random();
    Document doc = Document.create(a);
    StreamCompression out = new StreamCompression();
    StreamCompression in = new StreamCompression();
    long plain = 0;
    long compressed = 0;
    for (int b = 1; b <= 50; b++) {
      Frames.BatchBuilder builder = new Frames.BatchBuilder();
      for (int i = 0; i < 3; i++) {
        Document delta = doc.set("v", b * 10 + i);
        builder.add(new OutDelta("doc" + (b % 7), ByteString.copyFrom(CrdtCodec.encode(delta)),
            delta.context()));
      }
      SyncFrame p = builder.build(b);
      SyncFrame c = builder.build(b, out);
      plain += p.getSerializedSize();
      compressed += c.getSerializedSize();
      Frames.DecodedBatch decoded = Frames.decodeCompressed(c.getBatch(), in, 1 << 20);
      assertEquals(Frames.decode(p.getBatch()).raw(), decoded.raw());
    }
    assertTrue(compressed * 2 < plain, "compressed " + compressed + " of " + plain + " bytes");
    out.end();
    in.end();
  }

  @Test
  void compressedBatch_corruptOrTooBig_isRefused() {
    StreamCompression out = new StreamCompression();
    Frames.BatchBuilder builder = new Frames.BatchBuilder();
    Document delta = Document.create(Replica.random()).set("v", "x".repeat(5000));
    builder.add(new OutDelta("k", ByteString.copyFrom(CrdtCodec.encode(delta)), delta.context()));
    DeltaBatch batch = builder.build(1, out).getBatch();
    BadFrameException big = assertThrows(BadFrameException.class,
        () -> Frames.decodeCompressed(batch, new StreamCompression(), 1000));
    assertEquals(Refusal.Code.RESOURCE_EXHAUSTED, big.refusal().code());
    byte[] bytes = batch.getDeflated().toByteArray();
    bytes[0] ^= (byte) 0xff;
    DeltaBatch corrupt = batch.toBuilder().setDeflated(ByteString.copyFrom(bytes)).build();
    assertThrows(BadFrameException.class,
        () -> Frames.decodeCompressed(corrupt, new StreamCompression(), 1 << 20));
    assertRefused(batch, "not agreed");
    out.end();
  }
}
