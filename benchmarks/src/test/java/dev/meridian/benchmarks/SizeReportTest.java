package dev.meridian.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.meridian.crdt.ReplicaId;
import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.codec.CodecException;
import dev.meridian.crdt.codec.CrdtCodec;
import dev.meridian.crdt.doc.Document;
import org.junit.jupiter.api.Test;

/** Checks the blobs {@link SizeReport} measures are what it says, and the delta size target. */
class SizeReportTest {
  @Test
  void oneRegisterDelta_isUnder64BytesAndRoundTrips() throws CodecException {
    Document delta = SizeReport.oneRegisterDelta();
    CausalContext context = delta.context();
    ReplicaId writer = context.replicas().iterator().next();
    assertTrue(context.max(writer) > 5_000, "the dot counter is past 5,000");
    assertEquals(20, SizeReport.PATH.length());
    assertEquals(5, SizeReport.VALUE.length());
    byte[] bytes = CrdtCodec.encode(delta);
    assertTrue(bytes.length < 64, "one-register delta is " + bytes.length + " bytes");
    assertEquals(delta, CrdtCodec.decodeDocument(bytes));
  }

  @Test
  void overwriteDelta_namesBothReplicas() {
    // The overwritten dot is in the join context (as a pending dot), not among the events applied.
    assertEquals(2, SizeReport.overwriteDelta().map().liveContext().replicas().size());
  }

  @Test
  void sizes_reportsEveryBlob() {
    assertEquals(4, SizeReport.sizes().size());
  }
}
