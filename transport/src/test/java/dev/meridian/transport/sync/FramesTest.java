package dev.meridian.transport.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.meridian.crdt.Replica;
import dev.meridian.crdt.ReplicaId;
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
          delta.context().minus(delta.map().livePending()));
      sent.add(d);
      builder.add(d);
    }
    SyncFrame f = builder.build(7);
    Frames.DecodedBatch decoded = Frames.decode(f.getBatch());
    assertEquals(7, decoded.seq());
    assertEquals(sent, decoded.raw());
    assertEquals(2, f.getBatch().getReplicasCount());
  }

  @Test
  void decode_smallUpdate_costsFewBytesOfEvents() {
    Replica a = Replica.random();
    Document doc = Document.create(a);
    Frames.BatchBuilder builder = new Frames.BatchBuilder();
    for (int i = 0; i < 10; i++) {
      Document delta = doc.increment("n", 1);
      builder.add(new OutDelta("k", ByteString.copyFrom(CrdtCodec.encode(delta)),
          CausalContext.of(new dev.meridian.crdt.clock.Dot(a.id(), i + 1))));
    }
    DeltaBatch batch = builder.build(1).getBatch();
    for (int i = 1; i < 10; i++) {
      assertEquals(3, batch.getDeltas(i).getEventsCount());
      assertTrue(batch.getDeltas(i).getEvents(1) < 128, "consecutive events cost one byte each");
    }
  }

  @Test
  void decode_badInput_isRefusedWithAReason() {
    Replica a = Replica.random();
    Document delta = Document.create(a).set("x", 1);
    Delta good = Delta.newBuilder().setKey("k").setDelta(ByteString.copyFrom(
        CrdtCodec.encode(delta))).addEvents(0).addEvents(2).addEvents(0).build();
    DeltaBatch base = DeltaBatch.newBuilder().setSeq(1).addReplicas(a.id().value())
        .addDeltas(good).build();
    assertRefused(base.toBuilder().setSeq(0).build(), "seq must be at least 1");
    assertRefused(base.toBuilder().clearDeltas().build(), "holds no delta");
    assertRefused(base.toBuilder().addReplicas(a.id().value()).build(), "appears twice");
    assertRefused(base.toBuilder().setDeltas(0, good.toBuilder().setKey("")).build(),
        "key must be 1 to 1024 bytes");
    assertRefused(base.toBuilder().setDeltas(0, good.toBuilder().setKey("x".repeat(1025)))
        .build(), "key must be 1 to 1024 bytes");
    assertRefused(base.toBuilder().setDeltas(0, good.toBuilder().clearEvents()).build(),
        "non-empty list of triples");
    assertRefused(base.toBuilder().setDeltas(0, good.toBuilder().setEvents(0, 5)).build(),
        "outside the table");
    assertRefused(base.toBuilder().setDeltas(0, good.toBuilder().setEvents(1, 1)).build(),
        "bad event range"); // zigzag(1) = -1: start 0
    assertRefused(base.toBuilder().setDeltas(0, good.toBuilder().setEvents(2, -1L)).build(),
        "bad event range");
    assertRefused(base.toBuilder().setDeltas(0, good.toBuilder().setEvents(1, 4)).build(),
        "outside the delta's context");
    assertRefused(base.toBuilder().setDeltas(0, good.toBuilder().setDelta(
        ByteString.copyFrom(new byte[] {1, 2, 3}))).build(), "delta 0 (key 'k')");
  }

  private static void assertRefused(DeltaBatch batch, String reason) {
    BadFrameException e = assertThrows(BadFrameException.class, () -> Frames.decode(batch));
    assertEquals(Refusal.Code.INVALID_ARGUMENT, e.refusal().code());
    assertTrue(e.refusal().reason().contains(reason), e.refusal().reason());
  }

  @Test
  void zigzag_roundTrips() {
    for (long v : new long[] {0, 1, -1, 63, -64, Long.MAX_VALUE, Long.MIN_VALUE}) {
      assertEquals(v, Frames.unzigzag(Frames.zigzag(v)));
    }
  }

  @Test
  void replicaIdsInTheTable_areUnsigned() {
    ReplicaId big = ReplicaId.of(-5);
    assertEquals(big, ReplicaId.of(DeltaBatch.newBuilder().addReplicas(big.value()).build()
        .getReplicas(0)));
  }
}
