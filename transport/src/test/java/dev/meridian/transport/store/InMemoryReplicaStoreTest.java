package dev.meridian.transport.store;

import dev.meridian.crdt.doc.KeyedDelta;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.meridian.crdt.Replica;
import dev.meridian.crdt.ReplicaId;
import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.clock.Dot;
import dev.meridian.crdt.clock.HybridClock;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class InMemoryReplicaStoreTest {
  private static final ReplicaId A = ReplicaId.of(0xA);
  private static final ReplicaId B = ReplicaId.of(0xB);

  private static InMemoryReplicaStore store(ReplicaId id) {
    return InMemoryReplicaStore.create(Replica.resume(id, 0, new HybridClock(() -> 1000L)));
  }

  /** A lost push of an older write is found even though a newer write to the document arrived. */
  @Test
  void syncQuery_olderWriteLostNewerArrived_findsTheDocument() {
    InMemoryReplicaStore a = store(A);
    InMemoryReplicaStore b = store(B);
    KeyedDelta older = a.update("d", x -> x.set("p", 1)); // A:1, lost on the way
    a.update("other", x -> x.set("v", 0)); // A:2
    KeyedDelta newer = a.update("d", x -> x.set("q", 2)); // A:3, arrives
    b.apply(List.of(newer));
    assertFalse(b.context().contains(A, 1));
    assertTrue(b.context().contains(A, 3), "b holds d's newest write from A");
    try (SyncCursor c = a.syncQuery(b.context())) {
      KeyedDelta first = c.next();
      KeyedDelta second = c.next();
      assertEquals("d", first.key(), "d is found by its older event");
      assertEquals(older.events(), first.events());
      assertEquals("other", second.key());
      assertNull(c.next());
      b.apply(List.of(first, second));
    }
    assertEquals(a.documents(), b.documents());
    assertEquals(a.context(), b.context());
  }

  @Test
  void update_returnsTheMintedEvents_andAnnouncesThem() {
    InMemoryReplicaStore a = store(A);
    List<KeyedDelta> heard = new ArrayList<>();
    a.subscribe(heard::add);
    KeyedDelta one = a.update("k", d -> d.set("x", 1));
    KeyedDelta two = a.update("k", d -> d.putMap("m", java.util.Map.of("p", 1, "q", 2)));
    assertEquals(CausalContext.of(new Dot(A, 1)), one.events());
    assertEquals(3, two.events().dotCount(), "putMap mints one dot per change");
    assertEquals(List.of(one, two), heard);
    assertNull(a.update("k", d -> d), "a mutation that writes nothing mints nothing");
    assertEquals(4, a.context().dotCount());
  }

  @Test
  void update_failingMutation_changesNothingAndRethrows() {
    InMemoryReplicaStore a = store(A);
    a.update("k", d -> d.set("x", 1));
    assertThrows(IllegalArgumentException.class, () -> a.update("k", d -> d.increment("x", 1)));
    assertEquals(1, a.context().dotCount());
    assertEquals(1L, ((Number) a.get("k").get("x")).longValue());
  }

  @Test
  void apply_reportsOnlyDeltasThatTaughtSomething() {
    InMemoryReplicaStore a = store(A);
    InMemoryReplicaStore b = store(B);
    KeyedDelta d1 = a.update("k", d -> d.set("x", 1));
    KeyedDelta d2 = a.update("k", d -> d.set("x", 2));
    assertEquals(List.of(d1, d2), b.apply(List.of(d1, d2)));
    assertEquals(List.of(), b.apply(List.of(d2, d1)), "duplicates teach nothing");
    assertEquals(a.documents(), b.documents());
    assertEquals(a.context(), b.context());
  }

  @Test
  void syncQuery_returnsOnlyDocumentsWithMissingEvents_inKeyOrder() {
    InMemoryReplicaStore a = store(A);
    InMemoryReplicaStore b = store(B);
    List<KeyedDelta> all = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      int n = i;
      all.add(a.update("k" + n, d -> d.set("v", n)));
    }
    b.apply(all.subList(0, 7));
    TreeSet<String> keys = new TreeSet<>();
    try (SyncCursor c = a.syncQuery(b.context())) {
      for (KeyedDelta d = c.next(); d != null; d = c.next()) {
        keys.add(d.key());
        b.apply(List.of(d));
      }
    }
    assertEquals(new TreeSet<>(List.of("k7", "k8", "k9")), keys);
    assertEquals(a.documents(), b.documents());
    try (SyncCursor c = a.syncQuery(b.context())) {
      assertNull(c.next(), "nothing missing: an idle round touches no document");
    }
  }

  @Test
  void syncQuery_manyMissingDots_walksAllDocuments() {
    InMemoryReplicaStore a = store(A);
    for (int i = 0; i < 70_000; i++) {
      int n = i;
      a.update("k" + (n % 50), d -> d.set("v", n));
    }
    InMemoryReplicaStore b = store(B);
    int count = 0;
    try (SyncCursor c = a.syncQuery(b.context())) {
      for (KeyedDelta d = c.next(); d != null; d = c.next()) {
        b.apply(List.of(d));
        count++;
      }
    }
    assertEquals(50, count);
    assertEquals(a.documents(), b.documents());
    assertEquals(a.context(), b.context());
  }

  @Test
  void index_documentWrittenInABurst_costsOneSpan() {
    InMemoryReplicaStore a = store(A);
    for (int i = 0; i < 100; i++) {
      a.update("burst", d -> d.increment("n", 1));
    }
    assertEquals(1, a.indexSpans());
    a.update("other", d -> d.increment("n", 1));
    a.update("burst", d -> d.increment("n", 1));
    assertEquals(3, a.indexSpans());
  }

  @Test
  void restore_keepsTheSnapshot_andRefusesAReusedCounter() {
    InMemoryReplicaStore a = store(A);
    a.update("k", d -> d.set("x", 1));
    InMemoryReplicaStore.Snapshot s = a.snapshot();
    a.update("k", d -> d.set("x", 2)); // lost by the crash
    assertThrows(IllegalArgumentException.class,
        () -> InMemoryReplicaStore.restore(s, Replica.resume(A, 0, new HybridClock())));
    InMemoryReplicaStore back = InMemoryReplicaStore.restore(s,
        Replica.resume(A, 2, new HybridClock()));
    assertEquals(1L, ((Number) back.get("k").get("x")).longValue());
    assertEquals(CausalContext.of(new Dot(A, 1)), back.context());
    KeyedDelta next = back.update("k", d -> d.set("x", 3));
    assertEquals(CausalContext.of(new Dot(A, 3)), next.events(), "counter resumes above 2");
  }
}
