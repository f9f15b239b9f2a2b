package dev.meridian.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.meridian.crdt.Replica;
import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.doc.Document;
import dev.meridian.crdt.map.OrMap;
import dev.meridian.crdt.map.TypedKey;
import dev.meridian.crdt.CrdtType;
import dev.meridian.crdt.store.DotMap;
import dev.meridian.crdt.store.DotSeq;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * When writes become visible: only after their fsync, to readers, the sync query, the store
 * context and subscribers; and a failed fsync fails the store closed.
 */
class VisibilityTest {
  @TempDir Path tmp;

  @AfterEach
  void disarm() {
    FaultInjection.reset();
  }

  private static MapDbDocStore open(Path dir, Durability durability) throws Exception {
    return MapDbDocStore.open(StoreOptions.in(dir).durability(durability)
        .commitInterval(Duration.ofMillis(200)).build());
  }

  @Test
  void asyncWrite_isNotReadBeforeItsFsync_andNeverIfTheFsyncFails() throws Exception {
    Path dir = tmp.resolve("s");
    try (MapDbDocStore s = open(dir, Durability.ASYNC)) {
      s.update("a", d -> d.set("v", 1L)).join();
      s.flush();
      FaultInjection.failFsyncs(dir, 1);
      // Acknowledged at once (async), fsynced within the commit interval: and that fsync fails.
      CompletableFuture<Document> w = s.update("a", d -> d.set("v", 2L));
      assertTrue(w.isDone() && !w.isCompletedExceptionally(), "async acknowledges at once");
      // A reader waits for the fsync; the fsync fails; the reader never sees v = 2.
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> s.get("a"));
      assertTrue(e.getMessage().contains("failed"), e.getMessage());
    }
    try (MapDbDocStore s = open(dir, Durability.DURABLE)) {
      assertEquals(1L, s.get("a").orElseThrow().get("v"), "the unsynced write came back");
    }
  }

  @Test
  void failedFsync_failsTheWriter_hidesTheWrite_andRefusesEverythingUntilReopened()
      throws Exception {
    Path dir = tmp.resolve("s");
    List<String> announced = new CopyOnWriteArrayList<>();
    CausalContext before;
    try (MapDbDocStore s = open(dir, Durability.DURABLE)) {
      s.subscribe(k -> announced.add(k.key() + "=" + k.delta().get("v")));
      s.update("a", d -> d.set("v", 1L)).join();
      before = s.context();
      FaultInjection.failFsyncs(dir, 1);
      ExecutionException e = assertThrows(ExecutionException.class,
          () -> s.update("b", d -> d.set("v", 2L)).get());
      StoreException cause = assertInstanceOf(StoreException.class, e.getCause());
      assertEquals(StoreException.Reason.FAILED, cause.reason());
      assertTrue(cause.getMessage().contains("fsync failed"), cause.getMessage());
      FaultInjection.reset(); // the disk is fine again: the store still refuses, until reopened
      assertEquals(before, s.context(), "the failed write reached the store context");
      assertThrows(IllegalStateException.class, () -> s.get("b"));
      assertThrows(IllegalStateException.class, () -> s.changedSince(new CausalContext()));
      assertTrue(s.update("c", d -> d.set("v", 3L)).isCompletedExceptionally());
      assertTrue(s.applyRemote("c", remoteDelta()).isCompletedExceptionally());
    }
    assertEquals(List.of("a=1"), announced, "a subscriber heard of the failed write");
    try (MapDbDocStore s = open(dir, Durability.DURABLE)) {
      assertEquals(1L, s.get("a").orElseThrow().get("v"));
      assertFalse(s.get("b").isPresent(), "the write whose fsync failed is back");
      s.update("c", d -> d.set("v", 3L)).join(); // writes again after the reopen
      assertEquals(3L, s.get("c").orElseThrow().get("v"));
    }
  }

  @Test
  void localWrite_isAnnouncedBeforeItsFutureCompletes_andContextHoldsItThen() throws Exception {
    Path dir = tmp.resolve("s");
    try (MapDbDocStore s = open(dir, Durability.DURABLE)) {
      List<Boolean> inContextWhenAnnounced = new CopyOnWriteArrayList<>();
      s.subscribe(k -> inContextWhenAnnounced.add(k.delta().context().isSubsetOf(s.context())));
      Document delta = s.update("a", d -> d.set("v", 1L)).join();
      assertTrue(delta.context().isSubsetOf(s.context()));
      assertEquals(List.of(true), inContextWhenAnnounced);
    }
  }

  @Test
  void remoteDeltaThatFailsToJoin_isRefused_andNeverJournalled() throws Exception {
    Path dir = tmp.resolve("s");
    Replica other = Replica.random();
    try (MapDbDocStore s = open(dir, Durability.DURABLE)) {
      Document text = Document.create(other);
      s.applyRemote("t", text.insertText("body", 0, "hello")).join();
      // A delta that puts a list where the document has a text: the join refuses it.
      DotMap<TypedKey> bad = new DotMap<>();
      DotSeq list = DotSeq.newList();
      bad.put(new TypedKey("body", CrdtType.TEXT), list);
      CausalContext ctx = new CausalContext();
      ctx.addRange(other.id(), 100, 100);
      CompletableFuture<Void> f = s.applyRemote("t", Document.of(OrMap.of(bad, ctx, true)));
      assertTrue(f.isCompletedExceptionally(), "a delta that cannot join was accepted");
      assertFalse(s.context().contains(other.id(), 100));
      s.update("t", d -> d.insertText("body", 5, "!")).join();
      s.checkpointForTests();
      s.checkpointForTests();
    }
    try (MapDbDocStore s = open(dir, Durability.DURABLE)) {
      assertEquals("hello!", s.get("t").orElseThrow().get("body"));
    }
  }

  /**
   * An open whose dot reservation cannot be fsynced (a disk still full when a ReopeningStore tries
   * again) fails at once and releases the directory. The journal's notifier reports the failure
   * to the half-opened store while the open shuts that store down: if the two wait on each other,
   * the open hangs until the notifier's 30 s stop timeout, which the bound here rules out.
   */
  @Test
  void openWhoseReservationFsyncFails_failsPromptly_andTheDirectoryOpensAfterwards()
      throws Exception {
    Path dir = tmp.resolve("s");
    try (MapDbDocStore s = open(dir, Durability.DURABLE)) {
      s.update("a", d -> d.set("v", 1L)).join();
    }
    FaultInjection.failFsyncs(dir, 1);
    StoreException e = assertTimeoutPreemptively(Duration.ofSeconds(15),
        () -> assertThrows(StoreException.class, () -> open(dir, Durability.DURABLE)));
    assertEquals(StoreException.Reason.FAILED, e.reason(), e.getMessage());
    FaultInjection.reset();
    try (MapDbDocStore s = open(dir, Durability.DURABLE)) {
      assertEquals(1L, s.get("a").orElseThrow().get("v"));
    }
  }

  /** A failed store that was closed (as a ReopeningStore does first) still says why it failed. */
  @Test
  void failedStore_keepsItsReasonAfterClose() throws Exception {
    Path dir = tmp.resolve("s");
    MapDbDocStore s = open(dir, Durability.DURABLE);
    FaultInjection.failFsyncs(dir, 1);
    assertThrows(ExecutionException.class, () -> s.update("b", d -> d.set("v", 2L)).get());
    s.close();
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> s.update("c", d -> d.set("v", 3L)).get());
    assertTrue(e.getCause().getMessage().contains("injected fsync failure"),
        e.getCause().getMessage());
  }

  private static Document remoteDelta() {
    return Document.create(Replica.random()).set("v", 9L);
  }
}
