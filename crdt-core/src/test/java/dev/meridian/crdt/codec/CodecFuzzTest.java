package dev.meridian.crdt.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.doc.Document;
import org.junit.jupiter.api.AfterAll;

/**
 * Coverage-guided fuzzing (Jazzer) of the decoders peers feed with untrusted bytes: a document
 * blob (every delta on the wire) and a bare causal context (Hello and Ack). A decoder may only
 * return a valid state or throw {@link CodecException}; any other exception, or a state that does
 * not survive a re-encoding unchanged, is a finding.
 *
 * <p>The default build replays the stored inputs under {@code CodecFuzzTestInputs/<method>} in
 * the test resources; {@code mvn -Pfuzz} fuzzes each method in its own JVM (see docs/fuzzing.md).
 */
class CodecFuzzTest {
  private static final FuzzRuns RUNS = new FuzzRuns("crdt-core CodecFuzzTest");

  @AfterAll
  static void enoughInputs() {
    RUNS.check();
  }

  /** A document blob: decode, then encode and decode again to the same state. */
  @FuzzTest(maxDuration = "5m")
  void document(byte[] bytes) {
    RUNS.count();
    Document d;
    try {
      d = CrdtCodec.decodeDocument(bytes);
    } catch (CodecException e) {
      return; // refused: the only failure a decoder may have
    }
    byte[] again = CrdtCodec.encode(d);
    Document back = decodeValid(again);
    assertEquals(d, back, "a decoded document re-encodes to itself");
    assertArrayEquals(again, CrdtCodec.encode(back), "the encoding of a state is deterministic");
    String json = d.toJson();
    assertEquals(json, back.toJson());
    Document joined = d.copy();
    joined.join(back);
    assertEquals(d, joined, "join is idempotent on a decoded state");
  }

  /** A bare causal context blob: decode, then encode and decode again to the same context. */
  @FuzzTest(maxDuration = "5m")
  void context(byte[] bytes) {
    RUNS.count();
    CausalContext c;
    try {
      c = CrdtCodec.decodeContext(bytes);
    } catch (CodecException e) {
      return;
    }
    CausalContext back;
    try {
      back = CrdtCodec.decodeContext(CrdtCodec.encode(c));
    } catch (CodecException e) {
      throw new AssertionError("a decoded context does not decode once re-encoded", e);
    }
    assertEquals(c, back, "a decoded context re-encodes to itself");
    assertEquals(c, c.minus(new CausalContext()));
  }

  private static Document decodeValid(byte[] bytes) {
    try {
      return CrdtCodec.decodeDocument(bytes);
    } catch (CodecException e) {
      throw new AssertionError("a decoded document does not decode once re-encoded", e);
    }
  }
}
