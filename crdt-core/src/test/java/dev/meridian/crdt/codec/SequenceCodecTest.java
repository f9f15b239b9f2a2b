package dev.meridian.crdt.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.meridian.crdt.Replica;
import dev.meridian.crdt.ReplicaId;
import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.clock.HybridClock;
import dev.meridian.crdt.codec.proto.Leaf;
import dev.meridian.crdt.codec.proto.Sequence;
import dev.meridian.crdt.codec.proto.State;
import dev.meridian.crdt.doc.Document;
import dev.meridian.crdt.sequence.OrList;
import dev.meridian.crdt.sequence.Text;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** The run-length sequence encoding: round trips, sizes, and refusal of forged layouts. */
class SequenceCodecTest {
  private final Replica a = Replica.resume(ReplicaId.of(0x1234_5678_9abc_def0L), 1000, new HybridClock());
  private final Replica b = Replica.resume(ReplicaId.of(42), 0, new HybridClock());

  private static void assertRoundTrip(Text t) throws CodecException {
    byte[] bytes = CrdtCodec.encode(t);
    Text back = CrdtCodec.decodeText(bytes);
    assertEquals(t, back);
    assertEquals(t.value(), back.value());
    assertArrayEquals(bytes, CrdtCodec.encode(back));
  }

  @Test
  void text_concurrentEditsAndRemovals_roundTrip() throws CodecException {
    Text x = new Text();
    Text y = new Text();
    x.insert(a, 0, "hello world");
    y.join(x);
    x.insert(a, 5, ",");
    y.insert(b, 5, "!!");
    y.delete(b, 0, 2);
    x.delete(a, 8, 3);
    Text waiting = new Text();
    waiting.join(y.insert(b, 3, "late")); // its origins never arrive here
    x.join(y);

    assertRoundTrip(x);
    assertRoundTrip(y);
    assertRoundTrip(waiting);
    assertRoundTrip(x.deltaSince(new CausalContext()));
    assertRoundTrip(x.deltaSince(waiting.context()));
  }

  @Test
  void text_surrogatesAndHalfPairs_roundTrip() throws CodecException {
    Text t = new Text();
    t.insert(a, 0, "a\ud83d\ude00é\u20ac\u0000");
    t.delete(a, 1, 1); // leaves a lone low surrogate
    assertEquals("a\ude00é\u20ac\u0000", t.value());
    assertRoundTrip(t);
  }

  @Test
  void text_longSequentialTyping_costsAboutAByteACharacter() throws CodecException {
    Text t = new Text();
    StringBuilder expected = new StringBuilder();
    java.util.Random random = new java.util.Random(1);
    for (int i = 0; i < 3000; i++) {
      char c = (char) ('a' + random.nextInt(26));
      t.insert(a, t.length(), String.valueOf(c)); // below the deflate threshold
      expected.append(c);
    }
    byte[] bytes = CrdtCodec.encode(t);
    assertTrue(bytes.length < 3000 + 60, "3,000 typed characters took " + bytes.length + " bytes");
    assertRoundTrip(t);
  }

  @Test
  void text_largeText_isDeflatedAndRoundTrips() throws CodecException {
    Text t = new Text();
    String line = "The quick brown fox jumps over the lazy dog. ";
    for (int i = 0; i < 400; i++) {
      t.insert(a, t.length(), line);
    }
    byte[] bytes = CrdtCodec.encode(t);
    assertTrue(bytes.length < line.length() * 400 / 4, "18,000 repetitive characters took " + bytes.length);
    assertRoundTrip(t);
  }

  @Test
  void oneCharacterDelta_isSmall() {
    Text t = new Text();
    t.insert(a, 0, "abc");
    Text delta = t.insert(a, 1, "x");
    assertTrue(CrdtCodec.encode(delta).length <= 40, "a one-character delta took "
        + CrdtCodec.encode(delta).length + " bytes");
  }

  @Test
  void list_ofMapsWithRemovalsAndUpdates_roundTrips() throws CodecException {
    OrList l = new OrList();
    l.insert(a, 0, Map.of("title", "milk", "done", false));
    l.insert(a, 1, "x");
    l.insert(b, 1, List.of(1, 2));
    OrList other = new OrList();
    other.join(l);
    l.delete(a, 0, 1);
    OrList edit = other.setField(b, 0, "done", true);
    l.join(edit);

    for (OrList x : List.of(l, other, edit, l.deltaSince(other.context()))) {
      byte[] bytes = CrdtCodec.encode(x);
      OrList back = CrdtCodec.decodeList(bytes);
      assertEquals(x, back);
      assertEquals(x.value(), back.value());
      assertArrayEquals(bytes, CrdtCodec.encode(back));
    }
    assertEquals(List.of(Map.of("done", true), List.of(1L, 2L), "x"), l.value());
  }

  @Test
  void document_withListsAndText_roundTrips() throws CodecException {
    Document d = Document.create(a);
    d.insert("todos", 0, Map.of("title", "a"));
    d.insertText("todos[0].notes", 0, "some text");
    d.insert("todos[0].tags", 0, "x");
    d.insertText("body", 0, "hello");
    Document delta = d.deleteText("body", 1, 2);
    Document removal = d.remove("todos[0].notes");
    for (Document x : List.of(d, delta, removal)) {
      byte[] bytes = CrdtCodec.encode(x);
      Document back = CrdtCodec.decodeDocument(bytes);
      assertEquals(x, back);
      assertEquals(x.toJson(), back.toJson());
      assertArrayEquals(bytes, CrdtCodec.encode(back));
    }
  }

  /** Rewrites the sequence of an encoded text and decodes the result. */
  private static Text forge(Text t, UnaryOperator<Sequence.Builder> edit) throws Exception {
    byte[] bytes = CrdtCodec.encode(t);
    State s = State.parseFrom(ByteString.copyFrom(bytes, 1, bytes.length - 1));
    Leaf leaf = s.getValue();
    State forged = s.toBuilder().setValue(leaf.toBuilder().setText(edit.apply(leaf.getText().toBuilder()))).build();
    byte[] out = new byte[1 + forged.getSerializedSize()];
    out[0] = CrdtCodec.FORMAT_VERSION;
    System.arraycopy(forged.toByteArray(), 0, out, 1, out.length - 1);
    return CrdtCodec.decodeText(out);
  }

  @Test
  void decode_forgedLayouts_areRefusedWithCodecException() throws Exception {
    Text t = new Text();
    t.insert(a, 0, "abcdef");
    t.insert(b, 3, "XY");
    t.delete(a, 0, 1);
    forge(t, q -> q); // unchanged: decodes

    List<UnaryOperator<Sequence.Builder>> forgeries = List.of(
        q -> q.setChars(ByteString.copyFromUtf8("abcdefghij")), // more characters than elements
        q -> q.setChars(ByteString.copyFrom(new byte[] {(byte) 0xC1, (byte) 0x81})), // overlong
        q -> q.clearRemoved(), // removed runs do not cover the elements
        q -> q.addRemoved(3), // or cover more
        q -> q.setPositions(0, q.getPositions(0) + (50 << 2)), // position past the elements
        q -> q.setInflatedSize(1 << 20), // not deflated
        q -> q.addOrigins(0), // origins left over
        q -> q.setIds(2, q.getIds(2) + (1L << 62)), // counter past the largest
        q -> q.addTypes(1), // a text has no element types
        q -> q.addWaiting(0)); // truncated waiting record
    for (UnaryOperator<Sequence.Builder> f : forgeries) {
      CodecException e = assertThrows(CodecException.class, () -> forge(t, f));
      assertEquals(CodecException.Reason.INVALID, e.reason(), e.getMessage());
    }
  }
}
