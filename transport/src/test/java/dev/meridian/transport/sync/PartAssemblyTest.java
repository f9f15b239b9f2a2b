package dev.meridian.transport.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.meridian.crdt.Replica;
import dev.meridian.crdt.codec.CrdtCodec;
import dev.meridian.crdt.doc.Document;
import dev.meridian.transport.proto.Delta;
import dev.meridian.transport.proto.DeltaBatch;
import dev.meridian.transport.proto.SyncFrame;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Deltas in parts: the parts in order give back the whole delta, and nothing is joined before the
 * last part; parts out of order, of another delta in between, or over the limits are refused.
 */
class PartAssemblyTest {
  private static final long LIMIT = 1 << 20;

  /** A document of {@code keys} keys written by one replica, and its full delta as sent. */
  private static OutDelta bigDelta(int keys) {
    Document doc = Document.create(Replica.random());
    for (int i = 0; i < keys; i++) {
      doc.set("key" + i, "value" + i);
    }
    Document whole = doc.deltaSince(new dev.meridian.crdt.clock.CausalContext());
    return new OutDelta("doc", ByteString.copyFrom(CrdtCodec.encode(whole)), whole.context());
  }

  private static DeltaBatch batchOf(List<OutDelta> parts, long seq) {
    Frames.BatchBuilder b = new Frames.BatchBuilder();
    parts.forEach(b::add);
    SyncFrame f = b.build(seq);
    return f.getBatch();
  }

  @Test
  void split_partsInOrder_joinToTheWholeDelta_forRandomPartSizes() throws Exception {
    OutDelta whole = bigDelta(2_000);
    Document expected = CrdtCodec.decodeDocument(whole.delta().toByteArray());
    Random random = new Random(12);
    for (int trial = 0; trial < 50; trial++) {
      int partBytes = 256 + random.nextInt(whole.delta().size() / 2);
      List<OutDelta> parts = whole.split(partBytes);
      assertTrue(parts.size() >= 2, "split into parts");
      PartAssembly assembly = new PartAssembly();
      List<Frames.DecodedBatch> got = new ArrayList<>();
      // Parts spread over batches of random sizes, one batch per frame.
      int i = 0;
      long seq = 1;
      while (i < parts.size()) {
        int n = 1 + random.nextInt(Math.min(3, parts.size() - i));
        got.add(Frames.decode(batchOf(parts.subList(i, i + n), seq++), assembly, LIMIT));
        i += n;
      }
      for (int k = 0; k < got.size() - 1; k++) {
        assertTrue(got.get(k).deltas().isEmpty(), "nothing to join before the last part");
      }
      Frames.DecodedBatch last = got.get(got.size() - 1);
      assertEquals(1, last.deltas().size());
      assertEquals(expected, last.deltas().get(0).delta(), "parts join to the whole delta");
      assertEquals(whole.events(), last.deltas().get(0).events());
      assertEquals(whole.delta(), last.raw().get(0).delta(), "relayed as the whole blob");
      assertFalse(assembly.inProgress());
    }
  }

  @Test
  void split_partsInAnyOtherOrder_areRefusedBeforeAnythingIsJoined() {
    OutDelta whole = bigDelta(500);
    List<OutDelta> parts = whole.split(1024);
    Random random = new Random(5);
    for (int trial = 0; trial < 30; trial++) {
      List<OutDelta> shuffled = new ArrayList<>(parts);
      do {
        Collections.shuffle(shuffled, random);
      } while (shuffled.equals(parts));
      PartAssembly assembly = new PartAssembly();
      List<Frames.DecodedBatch> joined = new ArrayList<>();
      BadFrameException e = assertThrows(BadFrameException.class, () -> {
        long seq = 1;
        for (OutDelta p : shuffled) {
          joined.add(Frames.decode(batchOf(List.of(p), seq++), assembly, LIMIT));
        }
      });
      assertEquals(Refusal.Code.INVALID_ARGUMENT, e.refusal().code());
      assertTrue(e.refusal().reason().contains("out of sequence")
          || e.refusal().reason().contains("part 1 while"), e.refusal().reason());
      for (Frames.DecodedBatch b : joined) {
        assertTrue(b.deltas().isEmpty(), "no delta reached the store");
      }
    }
  }

  @Test
  void accept_wholeDeltasBetweenParts_areDecodedAtOnce() throws Exception {
    List<OutDelta> parts = bigDelta(300).split(1024);
    OutDelta small = bigDelta(1);
    PartAssembly assembly = new PartAssembly();
    Frames.DecodedBatch mixed = Frames.decode(
        batchOf(List.of(parts.get(0), small, parts.get(1)), 1), assembly, LIMIT);
    assertEquals(1, mixed.deltas().size(), "the whole delta between parts");
    assertTrue(assembly.inProgress());
  }

  @Test
  void accept_partOfAnotherDeltaBeforeTheLast_isRefused() {
    List<OutDelta> first = bigDelta(300).split(1024);
    List<OutDelta> second = bigDelta(300).split(1024);
    PartAssembly assembly = new PartAssembly();
    BadFrameException e = assertThrows(BadFrameException.class, () -> Frames.decode(
        batchOf(List.of(first.get(0), second.get(0)), 1), assembly, LIMIT));
    assertTrue(e.refusal().reason().contains("part 1 while part 2"), e.refusal().reason());
  }

  @Test
  void accept_declaredTotalOverTheLimit_isRefusedAsResourceExhausted() {
    Delta part = Delta.newBuilder().setKey("doc").setDelta(ByteString.copyFrom(new byte[10]))
        .setParts(2).setPart(1).setTotalBytes(LIMIT + 1).build();
    BadFrameException e = assertThrows(BadFrameException.class,
        () -> new PartAssembly().accept(part, 0, LIMIT));
    assertEquals(Refusal.Code.RESOURCE_EXHAUSTED, e.refusal().code());
    assertTrue(e.refusal().reason().contains("exceeds the maximum document size"));
  }

  @Test
  void accept_partsThatDisagreeWithTheirTotal_areRefused() throws Exception {
    Delta.Builder p = Delta.newBuilder().setKey("doc").setParts(2).setTotalBytes(15);
    PartAssembly a = new PartAssembly();
    a.accept(p.setPart(1).setDelta(ByteString.copyFrom(new byte[10])).build(), 0, LIMIT);
    BadFrameException over = assertThrows(BadFrameException.class, () -> a.accept(
        p.setPart(2).setDelta(ByteString.copyFrom(new byte[6])).build(), 0, LIMIT));
    assertTrue(over.refusal().reason().contains("exceed the declared 15 bytes"));
    PartAssembly b = new PartAssembly();
    b.accept(p.setPart(1).setDelta(ByteString.copyFrom(new byte[10])).build(), 0, LIMIT);
    BadFrameException under = assertThrows(BadFrameException.class, () -> b.accept(
        p.setPart(2).setDelta(ByteString.copyFrom(new byte[4])).build(), 0, LIMIT));
    assertTrue(under.refusal().reason().contains("not the declared 15"));
    BadFrameException numbering = assertThrows(BadFrameException.class, () -> new PartAssembly()
        .accept(p.setPart(3).build(), 0, LIMIT));
    assertTrue(numbering.refusal().reason().contains("not a valid part number"));
  }

  @Test
  void split_smallDelta_staysWhole() {
    OutDelta small = bigDelta(3);
    assertEquals(List.of(small), small.split(1 << 20));
  }
}
