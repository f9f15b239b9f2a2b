package dev.meridian.crdt.counter;

import static dev.meridian.crdt.Sites.replica;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.meridian.crdt.Replica;
import dev.meridian.crdt.ReplicaId;
import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.clock.Stability;
import dev.meridian.crdt.clock.StableVector;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Folding a retired replica's counter entries into another replica's (Pekko-style pruning). */
class CounterFoldTest {
  private final Replica r1 = replica(1);
  private final Replica r2 = replica(2);
  private final Replica r3 = replica(3);

  private static boolean holdsEntryOf(Counter c, ReplicaId r) {
    return Counter.holdsEntryOf(c.store(), r);
  }

  /** The stable vector once every member has applied everything in {@code applied}. */
  private static StableVector stableAfterTwoRounds(Set<ReplicaId> members, CausalContext applied) {
    Stability s = new Stability(members);
    for (ReplicaId m : members) {
      s.report(m, applied, applied.max(m));
    }
    return s.causallyStable();
  }

  @Test
  void retiredReplica_isAbsentFromEveryCounterTable_andEveryTotalIsUnchanged() {
    Random random = new Random(15);
    Replica[] writers = {r1, r2, r3};
    int counters = 20;
    Counter[][] at = new Counter[3][counters]; // at[replica][counter]
    for (Counter[] row : at) {
      for (int k = 0; k < counters; k++) {
        row[k] = new Counter();
      }
    }
    List<Counter>[] deltas = newLists(counters);
    for (int op = 0; op < 600; op++) {
      int w = random.nextInt(3);
      int k = random.nextInt(counters);
      deltas[k].add(at[w][k].increment(writers[w], random.nextInt(21) - 10));
    }
    CausalContext applied = new CausalContext();
    long[] totals = new long[counters];
    for (int k = 0; k < counters; k++) {
      for (Counter[] row : at) {
        List<Counter> shuffled = new ArrayList<>(deltas[k]);
        Collections.shuffle(shuffled, random);
        shuffled.forEach(row[k]::join);
      }
      totals[k] = at[0][k].value();
      applied.addAll(at[0][k].context());
    }
    assertTrue(java.util.Arrays.stream(at[0]).anyMatch(c -> holdsEntryOf(c, r3.id())));

    // r3 retires; its last dot is stable; r1 (the designated folder) folds every counter.
    StableVector stable = stableAfterTwoRounds(Set.of(r1.id(), r2.id(), r3.id()), applied);
    long r3Last = applied.max(r3.id());
    for (int k = 0; k < counters; k++) {
      Counter fold = at[0][k].foldRetired(r1, r3.id(), stable, r3Last);
      Counter concurrent = at[1][k].increment(r2, 7); // r2 writes while the fold travels
      at[1][k].join(fold);
      at[1][k].join(fold); // duplicated
      at[2][k].join(concurrent);
      at[2][k].join(fold);
      at[0][k].join(concurrent);
      for (Counter[] row : at) {
        assertEquals(totals[k] + 7, row[k].value(), "counter " + k);
        assertFalse(holdsEntryOf(row[k], r3.id()), "counter " + k + " still holds r3");
      }
      assertEquals(at[0][k], at[1][k]);
      assertEquals(at[0][k], at[2][k]);
    }
  }

  @Test
  void foldingACounterWithoutAnEntryOfTheRetiredReplica_mintsNothing() {
    Counter c = new Counter();
    c.increment(r1, 4);
    long before = r1.lastCounter();
    Counter delta = c.foldRetired(r1, r3.id(), StableVector.empty(), 0);
    assertTrue(delta.isEmpty());
    assertTrue(delta.context().isEmpty());
    assertEquals(before, r1.lastCounter());
    assertThrows(IllegalArgumentException.class,
        () -> c.foldRetired(r3, r3.id(), StableVector.empty(), 0));
  }

  /**
   * Why the fold needs every dot of the retired replica stable: its later entry carries its whole
   * contribution, so arriving after a fold it counts that contribution twice. The fold refuses.
   */
  @Test
  void fold_refusesWhileTheRetiredReplicasLastDotIsNotStable() {
    Counter c1 = new Counter();
    Counter c3 = new Counter();
    c1.join(c3.increment(r3, 5));
    Counter late = c3.increment(r3, 1); // r3's entry now says 6; not yet at r1
    long r3Last = late.context().max(r3.id());
    StableVector stable = stableAfterTwoRounds(Set.of(r1.id(), r3.id()), c1.context());
    assertEquals(r3Last - 1, stable.get(r3.id()));
    assertThrows(IllegalStateException.class, () -> c1.foldRetired(r1, r3.id(), stable, r3Last));

    // What the refusal prevents: folded anyway (with a vector that wrongly claims r3's last dot),
    // the late entry adds r3's whole contribution again.
    Counter unsafe = c1.copy();
    CausalContext wrongClaim = c1.context();
    wrongClaim.addAll(late.context());
    unsafe.foldRetired(r1, r3.id(), stableAfterTwoRounds(Set.of(r1.id(), r3.id()), wrongClaim),
        r3Last);
    unsafe.join(late);
    assertEquals(11, unsafe.value()); // 5 folded into r1, then 6 from r3's late entry
  }

  @SuppressWarnings("unchecked")
  private static List<Counter>[] newLists(int n) {
    List<Counter>[] out = (List<Counter>[]) new List<?>[n];
    for (int i = 0; i < n; i++) {
      out[i] = new ArrayList<>();
    }
    return out;
  }
}
