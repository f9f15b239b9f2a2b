package dev.meridian.crdt.register;

import static dev.meridian.crdt.Sites.assertDeltaSinceLaw;
import static dev.meridian.crdt.Sites.joinInEveryOrder;
import static dev.meridian.crdt.Sites.replica;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.meridian.crdt.Replica;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class MvRegisterTest {
  @Test
  void set_concurrentWrites_keepsBothAndPicksLaterClock() {
    Replica r1 = replica(1, 2_000); // r1's clock is ahead
    Replica r2 = replica(2, 1_000);
    MvRegister g1 = new MvRegister();
    MvRegister g2 = new MvRegister();

    MvRegister d1 = g1.set(r1, "from-1");
    MvRegister d2 = g2.set(r2, "from-2");
    g1.join(d2);
    g2.join(d1);

    assertEquals(g1, g2);
    assertEquals(List.of("from-1", "from-2"), g1.values());
    assertEquals(Optional.of("from-1"), g1.get());
    assertEquals(Optional.of("from-1"), g2.get());
    assertEquals(g1, joinInEveryOrder(new MvRegister(), List.of(d1, d2)));
  }

  @Test
  void set_concurrentWritesSameClock_higherReplicaIdWins() {
    MvRegister g1 = new MvRegister();
    MvRegister g2 = new MvRegister();
    MvRegister g3 = new MvRegister();

    MvRegister d1 = g1.set(replica(0xa, 1_000), "a");
    MvRegister d2 = g2.set(replica(0xc, 1_000), "c");
    MvRegister d3 = g3.set(replica(0xb, 1_000), "b");

    for (MvRegister g : List.of(g1, g2, g3)) {
      g.join(d1);
      g.join(d2);
      g.join(d3);
      assertEquals(Optional.of("c"), g.get());
      assertEquals(List.of("c", "b", "a"), g.values());
    }
    assertEquals(g1, g2);
    assertEquals(g2, g3);
  }

  @Test
  void set_concurrentWritesSameClock_unsignedReplicaOrder() {
    // Replica ids order as unsigned numbers: 0xffff... beats 1.
    MvRegister g = new MvRegister();
    MvRegister other = new MvRegister();
    other.set(replica(-1, 1_000), "high");

    g.set(replica(1, 1_000), "low");
    g.join(other);

    assertEquals(Optional.of("high"), g.get());
  }

  @Test
  void set_afterSeeingConcurrentValues_replacesThem() {
    Replica r1 = replica(1);
    Replica r2 = replica(2);
    MvRegister g1 = new MvRegister();
    MvRegister g2 = new MvRegister();
    MvRegister d1 = g1.set(r1, "a");
    MvRegister d2 = g2.set(r2, "b");
    g1.join(d2);

    MvRegister d3 = g1.set(r1, "c");

    assertEquals(List.of("c"), g1.values());
    assertEquals(List.of("c"), joinInEveryOrder(new MvRegister(), List.of(d1, d2, d3)).values());
  }

  @Test
  void set_writerClockBehind_stampsAfterWhatItOverwrites() {
    Replica behind = replica(1, 1_000);
    Replica ahead = replica(2, 50_000);
    MvRegister g1 = new MvRegister();
    MvRegister g2 = new MvRegister();
    g1.join(g2.set(ahead, "old"));
    long oldStamp = g1.store().entries().get(0).getValue().timestamp();

    g1.set(behind, "new");

    RegisterEntry written = g1.store().entries().get(0).getValue();
    assertEquals("new", written.value());
    assertTrue(written.timestamp() > oldStamp, "a write must be stamped after what it overwrote");
    assertTrue(behind.clock().last() > oldStamp);
  }

  @Test
  void get_neverWritten_isEmpty() {
    MvRegister g = new MvRegister();

    assertEquals(Optional.empty(), g.get());
    assertEquals(List.of(), g.values());
  }

  @Test
  void get_nullValue_isEmptyButValuesHoldsIt() {
    MvRegister g = new MvRegister();
    g.set(replica(1), null);

    assertEquals(Optional.empty(), g.get());
    assertEquals(Arrays.asList((Object) null), g.values());
  }

  @Test
  void set_normalizesNumbers() {
    MvRegister g = new MvRegister();
    g.set(replica(1), 7);

    assertEquals(Optional.of(7L), g.get());
  }

  @Test
  void set_nonScalar_throwsAndChangesNothing() {
    MvRegister g = new MvRegister();
    Replica r = replica(1);
    g.set(r, "x");
    MvRegister before = g.copy();

    assertThrows(IllegalArgumentException.class, () -> g.set(r, new Object()));
    assertThrows(IllegalArgumentException.class, () -> g.set(r, Double.POSITIVE_INFINITY));

    assertEquals(before, g);
  }

  @Test
  void deltaSince_replicaMissedOverwrite_getsOnlyNewValue() {
    Replica r1 = replica(1);
    MvRegister g1 = new MvRegister();
    MvRegister g2 = new MvRegister();
    g2.join(g1.set(r1, "old"));
    g1.set(r1, "new"); // g2 misses this delta
    assertDeltaSinceLaw(g1, g2);

    g2.join(g1.deltaSince(g2.context()));

    assertEquals(List.of("new"), g2.values());
    assertEquals(g1, g2);
  }

  @Test
  void deltaSince_law_concurrentStates() {
    Replica r1 = replica(1);
    Replica r2 = replica(2);
    MvRegister g1 = new MvRegister();
    MvRegister g2 = new MvRegister();
    g2.join(g1.set(r1, "a"));
    g1.set(r1, "b");
    g2.set(r2, "c");

    assertDeltaSinceLaw(g1, g2);
    assertDeltaSinceLaw(g2, g1);
    assertDeltaSinceLaw(g1, new MvRegister());
  }
}
