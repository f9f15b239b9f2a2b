package dev.meridian.persistence;

import dev.meridian.crdt.doc.KeyedDelta;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.meridian.crdt.Replica;
import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.doc.Document;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link DocStore} does, checked on {@link MapDbDocStore} and on the test double
 * {@link InMemoryDocStore} (so the double the peer's tests use behaves like the real store).
 */
abstract class DocStoreContract {
  DocStore store;

  abstract DocStore newStore() throws Exception;

  @BeforeEach
  void open() throws Exception {
    store = newStore();
  }

  @AfterEach
  void closeStore() {
    store.close();
  }

  @Test
  void update_returnsTheDelta_andGetReturnsACopy() {
    Document delta = store.update("a", d -> d.set("x", 1L)).join();
    assertEquals(Set.of(store.replica().id()), delta.context().replicas());
    Document copy = store.get("a").orElseThrow();
    assertEquals(1L, ((Number) copy.get("x")).longValue());
    assertThrows(IllegalStateException.class, () -> copy.set("x", 2L),
        "read copies are unbound and cannot be written");
    assertEquals(1L, ((Number) store.get("a").orElseThrow().get("x")).longValue());
  }

  @Test
  void peek_readsWhatGetReads() {
    store.update("a", d -> d.set("x", 1L)).join();
    assertEquals(store.get("a"), store.peek("a"));
    assertFalse(store.peek("absent").isPresent());
    assertThrows(IllegalStateException.class, () -> store.peek("a").orElseThrow().set("x", 2L),
        "a peeked copy is unbound too");
  }

  @Test
  void update_thatThrows_writesNothing() {
    store.update("a", d -> d.set("x", 1L)).join();
    CompletionException e = assertThrows(CompletionException.class,
        () -> store.update("a", d -> d.increment("x", 1)).join());
    assertTrue(e.getCause() instanceof IllegalArgumentException);
    assertEquals(1L, ((Number) store.get("a").orElseThrow().get("x")).longValue());
    assertEquals(1, store.count());
  }

  @Test
  void update_thatReturnsPartOfItsDelta_stillRecordsEveryChange() {
    store.update("a", d -> {
      d.set("x", 1L);
      return d.set("y", 2L);
    }).join();
    store.update("b", d -> {
      d.set("x", 1L);
      d.add("s", "e");
      return d;
    }).join();
    assertEquals("{\"x\":1,\"y\":2}", store.get("a").orElseThrow().toJson());
    assertEquals("{\"s\":[\"e\"],\"x\":1}", store.get("b").orElseThrow().toJson());
    CausalContext self = new CausalContext();
    self.addRange(store.replica().id(), 1, store.replica().lastCounter());
    assertEquals(self, store.context(), "every dot minted is in the store's context");
  }

  @Test
  void update_thatThrowsAfterAChange_keepsNoneOfIt() {
    store.update("a", d -> d.set("x", 1L)).join();
    CompletionException e = assertThrows(CompletionException.class, () -> store.update("a", d -> {
      d.set("y", 2L);
      return d.increment("x", 1);
    }).join());
    assertTrue(e.getCause() instanceof IllegalArgumentException);
    store.update("a", d -> d.set("z", 3L)).join();
    assertEquals("{\"x\":1,\"z\":3}", store.get("a").orElseThrow().toJson());
    CausalContext self = new CausalContext();
    self.addRange(store.replica().id(), 1, store.replica().lastCounter());
    assertEquals(self, store.context(),
        "the failed update's dot rides with the next write: no gap in the store's context");
  }

  @Test
  void failedUpdates_leaveNoGaps_andTheirDotsRideWithTheNextWriteOfAnyKey() {
    store.update("a", d -> d.set("x", 1L)).join();
    for (int i = 0; i < 50; i++) {
      assertThrows(CompletionException.class, () -> store.update("a", d -> {
        d.set("y", 2L);
        return d.increment("x", 1);
      }).join());
    }
    Document next = store.update("b", d -> d.set("z", 1L)).join();
    assertEquals(1, store.context().rangeCount(), store.context().toString());
    assertEquals(store.replica().lastCounter(), store.context().dotCount());
    assertTrue(next.context().dotCount() > 50, "the void dots travel in the next write's delta");
    assertEquals("{\"z\":1}", store.get("b").orElseThrow().toJson());
    assertEquals("{\"x\":1}", store.get("a").orElseThrow().toJson());
  }

  @Test
  void update_ofANewKeyThatThrows_createsNoDocument() {
    assertThrows(CompletionException.class, () -> store.update("new", d -> {
      d.set("y", 2L);
      return d.increment("y", 1);
    }).join());
    assertFalse(store.get("new").isPresent());
    assertEquals(0, store.count());
  }

  @Test
  void applyRemote_andSyncQuery_agree() {
    Replica other = Replica.random();
    Document remote = Document.create(other);
    store.applyRemote("r", remote.set("y", "hi")).join();
    CausalContext before = store.context();
    store.update("a", d -> d.set("x", 1L)).join();
    Set<String> keys = new HashSet<>();
    try (CloseableIterator<KeyedDelta> it = store.changedSince(before)) {
      it.forEachRemaining(kd -> keys.add(kd.key()));
    }
    assertEquals(Set.of("a"), keys);
    keys.clear();
    try (CloseableIterator<KeyedDelta> it = store.changedSince(new CausalContext())) {
      it.forEachRemaining(kd -> keys.add(kd.key()));
    }
    assertEquals(Set.of("a", "r"), keys);
  }

  @Test
  void list_pagesInOrder() {
    for (String k : List.of("p/3", "p/1", "q/1", "p/2")) {
      store.update(k, d -> d.enable("f")).join();
    }
    List<String> got = new ArrayList<>();
    KeyPage page = store.list("p/", null, 2);
    got.addAll(page.keys());
    page = store.list("p/", page.next(), 2);
    got.addAll(page.keys());
    assertEquals(List.of("p/1", "p/2", "p/3"), got);
    assertEquals(null, page.next());
    assertFalse(store.list("z", null, 5).keys().iterator().hasNext());
    assertThrows(IllegalArgumentException.class, () -> store.list("", null, 0));
  }
}
