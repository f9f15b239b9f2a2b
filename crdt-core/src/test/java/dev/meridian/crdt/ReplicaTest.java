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
  void claim_holdsOnlyTheNewDot() {
    Replica r = Replica.resume(ID, 10, new HybridClock());
    CausalContext object = new CausalContext();
    object.add(r.nextDot()); // 11: this object
    r.nextDot(); // 12: another object

    Replica.Claim claim = r.claim(object);

    assertEquals(new Dot(ID, 13), claim.dot());
    assertEquals(List.of("13-13"), ranges(claim.context()), "dots of other objects are not claimed");
    assertEquals(claim.context(), claim.events());
  }

  /**
   * Found by review: with claims of the dots since the object's last write, a rolled-back copy
   * (or a second copy written by the same replica) claimed a dot of the object it never applied,
   * and replicas diverged for good. Without claims, sync repairs such a copy.
   */
  @Test
  void claim_rolledBackCopy_convergesAfterSync() {
    Replica r = Replica.resume(ID, 0, new HybridClock());
    Document doc = Document.create(r);
    Document snapshot = doc.copy().bind(r);
    Document lost = doc.set("x", 1);
    Document later = snapshot.set("y", 2); // written on the stale copy

    Document seesBoth = Document.empty();
    seesBoth.join(lost);
    seesBoth.join(later);
    Document seesLater = Document.empty();
    seesLater.join(later);
    seesLater.join(seesBoth.deltaSince(seesLater.context()));

    assertEquals(seesBoth, seesLater);
    assertEquals("{\"x\":1,\"y\":2}", seesLater.toJson());
  }

  @Test
  void claim_counterBehindObject_throws() {
    Replica before = Replica.resume(ID, 0, new HybridClock());
    Document doc = Document.create(before);
    doc.set("a", 1);
    doc.set("b", 2);
    doc.set("c", 3);

    doc.bind(Replica.resume(ID, 1, new HybridClock())); // as if its counter went backwards

    IllegalStateException e = assertThrows(IllegalStateException.class, () -> doc.set("d", 4));
    assertTrue(e.getMessage().contains("counter went backwards"), e.getMessage());
  }

  @Test
  void interleavedWrites_fragmentEachDocumentsContext() {
    Replica r = Replica.resume(ID, 0, new HybridClock());
    Document a = Document.create(r);
    Document b = Document.create(r);

    for (int i = 0; i < 10; i++) {
      a.set("x", i);
      b.increment("n", 1);
    }

    // Each document holds its own events only; the union over documents is one range.
    assertEquals(10, a.context().rangeCount());
    CausalContext union = a.context();
    union.addAll(b.context());
    assertEquals(List.of("1-20"), ranges(union));
  }

  @Test
  void resume_null_throws() {
    new NullPointerTester()
        .setDefault(ReplicaId.class, ID)
        .setDefault(HybridClock.class, new HybridClock())
        .testAllPublicStaticMethods(Replica.class);
  }
}
