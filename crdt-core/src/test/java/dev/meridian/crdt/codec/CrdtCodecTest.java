package dev.meridian.crdt.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.meridian.crdt.Replica;
import dev.meridian.crdt.ReplicaId;
import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.clock.HybridClock;
import dev.meridian.crdt.counter.Counter;
import dev.meridian.crdt.doc.Document;
import dev.meridian.crdt.flag.EwFlag;
import dev.meridian.crdt.register.MvRegister;
import dev.meridian.crdt.set.AwSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CrdtCodecTest {
  private final Replica a = Replica.resume(ReplicaId.of(0x1234_5678_9abc_def0L), 0, new HybridClock());
  private final Replica b = Replica.resume(ReplicaId.of(42), 0, new HybridClock());

  @Test
  void document_roundTripsStateAndDeltas() throws CodecException {
    Document doc = Document.create(a);
    Document d1 = doc.set("profile.name", "Ada");
    doc.increment("stats.visits", 3);
    doc.add("tags", "x");
    doc.add("tags", 2.5);
    doc.enable("flags.beta");
    doc.set("profile.age", null);
    Document other = Document.create(b);
    other.join(doc);
    other.remove("tags");
    other.set("profile.name", "Grace");
    doc.join(other.deltaSince(doc.context()));

    for (Document d : List.of(doc, d1, other, doc.deltaSince(new CausalContext()))) {
      byte[] bytes = CrdtCodec.encode(d);
      Document back = CrdtCodec.decodeDocument(bytes);
      assertEquals(d, back);
      assertEquals(d.toJson(), back.toJson());
      assertArrayEquals(bytes, CrdtCodec.encode(back), "encoding is deterministic");
    }
  }

  @Test
  void keyedRemovalDelta_roundTripsWithItsWitness() throws CodecException {
    Document doc = Document.create(a);
    doc.set("a.b", 1);
    doc.add("s", "e");
    Document removeKey = doc.remove("a");
    Document removeElement = doc.removeElement("s", "e");
    for (Document d : List.of(removeKey, removeElement)) {
      Document back = CrdtCodec.decodeDocument(CrdtCodec.encode(d));
      assertEquals(d, back);
      assertTrue(back.map().isKeyed());
    }
  }

  @Test
  void standaloneTypes_roundTrip() throws CodecException {
    Counter c = new Counter();
    c.increment(a, 5);
    c.increment(b, -7);
    assertEquals(c, CrdtCodec.decodeCounter(CrdtCodec.encode(c)));
    MvRegister r = new MvRegister();
    r.set(a, "x");
    assertEquals(r, CrdtCodec.decodeRegister(CrdtCodec.encode(r)));
    EwFlag f = new EwFlag();
    f.enable(b);
    assertEquals(f, CrdtCodec.decodeFlag(CrdtCodec.encode(f)));
    AwSet s = new AwSet();
    s.add(a, true);
    s.add(b, "y");
    assertEquals(s, CrdtCodec.decodeSet(CrdtCodec.encode(s)));
    assertEquals(new Counter(), CrdtCodec.decodeCounter(CrdtCodec.encode(new Counter())));
    CausalContext ctx = c.context();
    assertEquals(ctx, CrdtCodec.decodeContext(CrdtCodec.encode(ctx)));
  }

  @Test
  void decode_wrongType_isRefused() {
    byte[] counter = CrdtCodec.encode(new Counter());
    CodecException e = assertThrows(CodecException.class, () -> CrdtCodec.decodeSet(counter));
    assertEquals(CodecException.Reason.WRONG_TYPE, e.reason());
  }

  @Test
  void decode_unknownVersion_isRefused() {
    byte[] bytes = CrdtCodec.encode(new Counter());
    bytes[0] = 9;
    CodecException e = assertThrows(CodecException.class, () -> CrdtCodec.decodeCounter(bytes));
    assertEquals(CodecException.Reason.UNSUPPORTED_VERSION, e.reason());
  }

  @Test
  void oneRegisterDelta_withTwentyCharPath_isUnder64Bytes() {
    // A replica that has been writing a while: counters past 1,000 take two varint bytes.
    Replica busy = Replica.resume(ReplicaId.random(), 5_000, new HybridClock());
    Document doc = Document.create(busy);
    doc.putMap("other", Map.of("k", 1));
    String path = "profile.address.city";
    assertEquals(20, path.length());
    byte[] delta = CrdtCodec.encode(doc.set(path, "Paris"));
    assertTrue(delta.length < 64, "encoded delta is " + delta.length + " bytes");
  }
}
