package dev.meridian.crdt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.testing.NullPointerTester;
import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.clock.Dot;
import dev.meridian.crdt.clock.HybridClock;
import dev.meridian.crdt.doc.Document;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReplicaTest {
  private static final ReplicaId ID = ReplicaId.of(7);

  private static List<String> ranges(CausalContext c) {
    List<String> out = new ArrayList<>();
    c.forEachRange((r, lo, hi) -> out.add(lo + "-" + hi));
    return out;
  }

  @Test
  void nextDot_countsFromResumePoint() {
    Replica r = Replica.resume(ID, 41, new HybridClock());

    assertEquals(new Dot(ID, 42), r.nextDot());
    assertEquals(new Dot(ID, 43), r.nextDot());
    assertEquals(43, r.lastCounter());
    assertEquals(ID, r.id());
  }

  @Test
  void resume_negativeCounter_throws() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Replica.resume(ID, -1, new HybridClock()));
    assertTrue(e.getMessage().contains("negative"), e.getMessage());
  }

  @Test
  void claim_firstWriteToObject_claimsDotsMintedThisRun() {
    Replica r = Replica.resume(ID, 10, new HybridClock());
    r.nextDot(); // 11 and 12 went to other objects
    r.nextDot();

    Replica.Claim claim = r.claim(new CausalContext());

    assertEquals(new Dot(ID, 13), claim.dot());
    assertEquals(List.of("11-13"), ranges(claim.context()), "dots before the resume point are not claimed");
  }

  @Test
  void claim_laterWrite_claimsSinceObjectsLastDot() {
    Replica r = Replica.resume(ID, 0, new HybridClock());
    CausalContext object = new CausalContext();
    object.add(r.nextDot()); // 1: this object
    r.nextDot(); // 2, 3: other objects
    r.nextDot();

    Replica.Claim claim = r.claim(object);

    assertEquals(List.of("2-4"), ranges(claim.context()));
  }

  @Test
  void claim_keepsDocumentContextOneRangePerReplica() {
    Replica r = Replica.resume(ID, 0, new HybridClock());
    Document a = Document.create(r);
    Document b = Document.create(r);

    for (int i = 0; i < 10; i++) {
      a.set("x", i);
      b.increment("n", 1);
    }

    assertEquals(1, a.context().rangeCount());
    assertEquals(1, b.context().rangeCount());
    assertEquals(19, a.context().max(ID));
    assertEquals(20, b.context().max(ID));
  }

  @Test
  void resume_null_throws() {
    new NullPointerTester()
        .setDefault(ReplicaId.class, ID)
        .setDefault(HybridClock.class, new HybridClock())
        .testAllPublicStaticMethods(Replica.class);
  }
}
