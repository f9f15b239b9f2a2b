package dev.meridian.crdt.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnknownFieldSet;
import dev.meridian.crdt.Replica;
import dev.meridian.crdt.ReplicaId;
import dev.meridian.crdt.clock.HybridClock;
import dev.meridian.crdt.codec.CodecException.Reason;
import dev.meridian.crdt.codec.proto.Leaf;
import dev.meridian.crdt.codec.proto.State;
import dev.meridian.crdt.doc.Document;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The decoder's checks on path names and unknown fields, through {@link CrdtCodec} (StateDecoder is
 * internal): what they accept, and what they refuse with which reason and message.
 */
class StateDecoderTest {
  private final Replica a = Replica.resume(ReplicaId.of(7), 5_000, new HybridClock());

  private static State parse(byte[] bytes) throws InvalidProtocolBufferException {
    return State.parseFrom(Arrays.copyOfRange(bytes, 1, bytes.length));
  }

  private static byte[] blob(State state) {
    byte[] body = state.toByteArray();
    byte[] out = new byte[body.length + 1];
    out[0] = CrdtCodec.FORMAT_VERSION;
    System.arraycopy(body, 0, out, 1, body.length);
    return out;
  }

  private static UnknownFieldSet unknownField() {
    return UnknownFieldSet.newBuilder()
        .addField(99, UnknownFieldSet.Field.newBuilder().addVarint(1).build())
        .build();
  }

  private State oneRegister() throws InvalidProtocolBufferException {
    return parse(CrdtCodec.encode(Document.create(a).set("profile.city", "Paris")));
  }

  private static CodecException refused(byte[] bytes) {
    return assertThrows(CodecException.class, () -> CrdtCodec.decodeDocument(bytes));
  }

  @Test
  void decode_nonAsciiPathNames_roundTrip() throws CodecException {
    Document doc = Document.create(a);
    doc.set("café.straße", "x");
    doc.set("plain.name", "y");
    doc.set("[\"日本\"].名前", "z");
    Document back = CrdtCodec.decodeDocument(CrdtCodec.encode(doc));
    assertEquals(doc, back);
    assertEquals("x", back.get("café.straße"));
    assertEquals("z", back.get("[\"日本\"].名前"));
  }

  @Test
  void decode_malformedUtf8PathName_isRefused() throws InvalidProtocolBufferException {
    State s = oneRegister();
    byte[] path = {2, (byte) 0xC3, 0x28}; // one name of two bytes: a lead byte, then no continuation
    State bad = s.toBuilder().setLeaves(0, s.getLeaves(0).toBuilder().setPath(ByteString.copyFrom(path))).build();
    CodecException e = refused(blob(bad));
    assertEquals(Reason.INVALID, e.reason());
    assertEquals("INVALID: path name is not UTF-8", e.getMessage());
  }

  @Test
  void decode_unknownFieldInState_isRefused() throws InvalidProtocolBufferException {
    State bad = oneRegister().toBuilder().setUnknownFields(unknownField()).build();
    CodecException e = refused(blob(bad));
    assertEquals("INVALID: unknown fields in state", e.getMessage());
  }

  @Test
  void decode_unknownFieldInLeaf_isRefused() throws InvalidProtocolBufferException {
    State s = oneRegister();
    Leaf leaf = s.getLeaves(0).toBuilder().setUnknownFields(unknownField()).build();
    CodecException e = refused(blob(s.toBuilder().setLeaves(0, leaf).build()));
    assertEquals("INVALID: unknown fields in leaf", e.getMessage());
  }

  @Test
  void decode_unknownFieldInRegisterEntry_isRefused() throws InvalidProtocolBufferException {
    State s = oneRegister();
    Leaf leaf = s.getLeaves(0);
    Leaf bad = leaf.toBuilder()
        .setRegister(0, leaf.getRegister(0).toBuilder().setUnknownFields(unknownField()))
        .build();
    CodecException e = refused(blob(s.toBuilder().setLeaves(0, bad).build()));
    assertEquals("INVALID: unknown fields in register entry", e.getMessage());
  }

  @Test
  void decode_dotOutOfRange_isRefusedWithBothNumbers() throws InvalidProtocolBufferException {
    State s = oneRegister();
    Leaf leaf = s.getLeaves(0);
    Leaf bad = leaf.toBuilder().setRegister(0, leaf.getRegister(0).toBuilder().setBack(6_000)).build();
    CodecException e = refused(blob(s.toBuilder().setLeaves(0, bad).build()));
    assertEquals("INVALID: dot 6000 below the context's highest counter 5001 is out of range",
        e.getMessage());
  }

  /**
   * Found by CodecFuzzTest (crash-origin-negative-replica-index): a sequence origin whose replica
   * index, a uint64, reads as a negative long passed the upper-bound check and indexed the replica
   * table below zero (ArrayIndexOutOfBoundsException instead of a refusal).
   */
  @Test
  void fuzzFinding_sequenceOriginWithNegativeReplicaIndex_isRefused() {
    byte[] bytes = java.util.Base64.getDecoder().decode(
        "AQoI8N4SBAABCwEqMAoGBXRvZG9zOiY6JAABAAAAAAABDwDk5OTk5OTk5OQ/LAAAAAAAAACwr+HljQ4zAA==");
    CodecException e = refused(bytes);
    assertEquals(Reason.INVALID, e.reason());
    assertTrue(e.getMessage().contains("bad origin replica index"), e.getMessage());
  }
}
