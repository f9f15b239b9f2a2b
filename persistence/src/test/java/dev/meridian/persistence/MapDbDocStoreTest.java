package dev.meridian.persistence;

import dev.meridian.crdt.doc.KeyedDelta;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.meridian.crdt.Replica;
import dev.meridian.crdt.ReplicaId;
import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.doc.Document;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MapDbDocStoreTest {
  @TempDir Path tmp;

  private MapDbDocStore open(Path dir) throws IOException {
    return MapDbDocStore.open(StoreOptions.in(dir).build());
  }

  @Test
  void update_thenGet_afterReopen_keepsTheDocument() throws Exception {
    Path dir = tmp.resolve("d");
    ReplicaId id;
    try (MapDbDocStore s = open(dir)) {
      id = s.replica().id();
      s.update("user/1", d -> d.set("name", "ada")).get();
      s.update("user/1", d -> d.increment("visits", 3)).get();
      assertEquals("ada", s.get("user/1").orElseThrow().get("name"));
    }
    try (MapDbDocStore s = open(dir)) {
      assertEquals(id, s.replica().id());
      Document d = s.get("user/1").orElseThrow();
      assertEquals("ada", d.get("name"));
      assertEquals(3L, ((Number) d.get("visits")).longValue());
      assertEquals(1, s.count());
      assertEquals(0, s.recoveryReport().repairs());
    }
  }

  @Test
  void update_returningPartOfItsDelta_keepsEveryChange_afterReopen() throws Exception {
    // Found in review: the journal got only the returned delta, so `x` lived only in the cache.
    Path dir = tmp.resolve("d");
    try (MapDbDocStore s = open(dir)) {
      s.update("a", d -> {
        d.set("x", 1L);
        return d.set("y", 2L);
      }).get();
      s.update("b", d -> {
        d.set("y", 3L);
        d.add("s", "e");
        return d;
      }).get();
    }
    try (MapDbDocStore s = open(dir)) {
      assertEquals("{\"x\":1,\"y\":2}", s.get("a").orElseThrow().toJson());
      assertEquals("{\"s\":[\"e\"],\"y\":3}", s.get("b").orElseThrow().toJson());
    }
  }

  @Test
  void voidDotsOfFailedUpdates_areJournalledWithTheNextWrite_andSurviveReopen() throws Exception {
    Path dir = tmp.resolve("d");
    try (MapDbDocStore s = open(dir)) {
      s.update("a", d -> d.set("x", 1L)).get();
      for (int i = 0; i < 20; i++) {
        assertThrows(ExecutionException.class, () -> s.update("a", d -> {
          d.set("y", 2L);
          return d.increment("x", 1);
        }).get());
      }
      s.update("b", d -> d.set("z", 1L)).get();
    }
    try (MapDbDocStore s = open(dir)) {
      assertEquals(1, s.context().rangeCount(), s.context().toString());
      assertEquals("{\"x\":1}", s.get("a").orElseThrow().toJson());
      assertEquals("{\"z\":1}", s.get("b").orElseThrow().toJson());
    }
  }

  @Test
  void update_whoseMutationThrowsAnError_keepsNoneOfItsChanges() throws Exception {
    // Found in review: only RuntimeExceptions dropped the half-mutated cached copy.
    try (MapDbDocStore s = open(tmp.resolve("d"))) {
      s.update("a", d -> d.set("x", 1L)).get();
      assertThrows(StackOverflowError.class, () -> s.update("a", d -> {
        d.set("x", 2L);
        throw new StackOverflowError("deep");
      }));
      assertEquals("{\"x\":1}", s.get("a").orElseThrow().toJson());
    }
  }

  @Test
  void firstWriteLargerThanTheCompactionFloor_isCheckpointedAndReopened() throws Exception {
    // Found by the benchmark: compaction ran before the document's meta record existed.
    Path dir = tmp.resolve("d");
    String filler = "y".repeat(200);
    try (MapDbDocStore s = open(dir)) {
      s.update("big", d -> {
        Document delta = Document.empty();
        for (int i = 0; i < 100; i++) {
          delta.join(d.set("f" + i, filler));
        }
        return delta;
      }).get();
      s.checkpointForTests();
      s.checkpointForTests();
      s.update("big", d -> d.set("f0", "changed")).get();
    }
    try (MapDbDocStore s = open(dir)) {
      Document d = s.get("big").orElseThrow();
      assertEquals("changed", d.get("f0"));
      assertEquals(filler, d.get("f99"));
    }
  }

  @Test
  void update_keyWithAnUnpairedSurrogate_isRefused() throws Exception {
    try (MapDbDocStore s = open(tmp.resolve("d"))) {
      assertThrows(IllegalArgumentException.class, () -> s.update("a\ud800", d -> d.set("v", 1)));
      assertThrows(IllegalArgumentException.class, () -> s.get("\udc00b"));
      s.update("emoji \ud83d\ude00", d -> d.set("v", 1)).get();
      assertTrue(s.get("emoji \ud83d\ude00").isPresent());
    }
  }

  @Test
  void get_absentKey_isEmpty() throws Exception {
    try (MapDbDocStore s = open(tmp.resolve("d"))) {
      assertFalse(s.get("nope").isPresent());
      assertEquals(0, s.count());
    }
  }

  @Test
  void open_lockedDirectory_failsNamingTheDirectory() throws Exception {
    Path dir = tmp.resolve("d");
    try (MapDbDocStore s = open(dir)) {
      StoreException e = assertThrows(StoreException.class, () -> open(dir));
      assertEquals(StoreException.Reason.LOCKED, e.reason());
      assertTrue(e.getMessage().contains(dir.toString()), e.getMessage());
    }
  }

  @Test
  void open_unknownFormatVersion_failsNamingTheIdFile() throws Exception {
    Path dir = tmp.resolve("d");
    open(dir).close();
    Path id = dir.resolve(MapDbDocStore.ID_FILE);
    Files.writeString(id, Files.readString(id).replace("format 2", "format 7"));
    StoreException e = assertThrows(StoreException.class, () -> open(dir));
    assertEquals(StoreException.Reason.UNKNOWN_FORMAT, e.reason());
    assertEquals(id, e.file());
    assertTrue(e.getMessage().contains("format version 7"), e.getMessage());
  }

  @Test
  void open_directoryOfOtherFiles_isRefused() throws Exception {
    Path dir = tmp.resolve("d");
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("notes.txt"), "mine");
    StoreException e = assertThrows(StoreException.class, () -> open(dir));
    assertEquals(StoreException.Reason.FOREIGN_FILE, e.reason());
    assertTrue(e.getMessage().contains("notes.txt"), e.getMessage());
  }

  @Test
  void wipedDirectory_getsANewReplicaId_andNoDotIsIssuedTwice() throws Exception {
    Path dir = tmp.resolve("site-paris");
    Set<Long> minted = new HashSet<>();
    ReplicaId first;
    long highest = 0;
    try (MapDbDocStore s = open(dir)) {
      first = s.replica().id();
      for (int i = 0; i < 20; i++) {
        long dot = s.update("k" + i, d -> d.set("v", 1)).get().context().max(first);
        assertTrue(minted.add(dot), "reissued " + dot);
        highest = Math.max(highest, dot);
      }
    }
    for (int restart = 0; restart < 3; restart++) {
      // A restart resumes above every dot handed out before it.
      try (MapDbDocStore s = open(dir)) {
        assertEquals(first, s.replica().id());
        for (int i = 0; i < 5; i++) {
          long dot = s.update("k" + i, d -> d.set("v", 2)).get().context().max(first);
          assertTrue(dot > highest, "dot " + dot + " not above " + highest);
          assertTrue(minted.add(dot), "reissued " + dot);
          highest = dot;
        }
      }
    }
    deleteRecursively(dir);
    try (MapDbDocStore s = open(dir)) {
      assertNotEquals(first, s.replica().id());
      assertTrue(s.recoveryReport().created());
      Document delta = s.update("k0", d -> d.set("v", 3)).get();
      assertFalse(delta.context().replicas().contains(first));
      assertEquals(Set.of(s.replica().id()), delta.context().replicas());
    }
  }

  @Test
  void applyRemote_joinsAndSurvivesReopen() throws Exception {
    Path dir = tmp.resolve("d");
    Replica other = Replica.random();
    Document remote = Document.create(other);
    Document delta = remote.set("title", "hello");
    try (MapDbDocStore s = open(dir)) {
      s.applyRemote("doc", delta).get();
      s.update("doc", d -> d.set("body", "x")).get();
      assertEquals("hello", s.get("doc").orElseThrow().get("title"));
    }
    try (MapDbDocStore s = open(dir)) {
      Document d = s.get("doc").orElseThrow();
      assertEquals("hello", d.get("title"));
      assertEquals("x", d.get("body"));
      assertTrue(s.context().max(other.id()) >= 1);
    }
  }

  @Test
  void list_pagesByPrefix_mergingDiskAndJournal() throws Exception {
    Path dir = tmp.resolve("d");
    List<String> expected = new ArrayList<>();
    try (MapDbDocStore s = open(dir)) {
      for (int i = 0; i < 30; i++) {
        s.update(String.format("a/%02d", i), d -> d.set("v", 1)).get();
        s.update(String.format("b/%02d", i), d -> d.set("v", 1)).get();
        expected.add(String.format("a/%02d", i));
      }
    }
    try (MapDbDocStore s = open(dir)) {
      s.update("a/15x", d -> d.set("v", 1)).get(); // only in the overlay
      expected.add("a/15x");
      expected.sort(null);
      List<String> got = new ArrayList<>();
      String after = null;
      do {
        KeyPage page = s.list("a/", after, 7);
        assertTrue(page.keys().size() <= 7);
        got.addAll(page.keys());
        after = page.next();
      } while (after != null);
      assertEquals(expected, got);
      assertEquals(61, s.count());
    }
  }

  @Test
  void changedSince_returnsExactlyTheDocumentsWithUnseenEvents() throws Exception {
    Path dir = tmp.resolve("d");
    try (MapDbDocStore s = open(dir)) {
      for (int i = 0; i < 50; i++) {
        s.update("doc" + i, d -> d.set("v", 1)).get();
      }
      CausalContext seen = s.context();
      s.flush();
      Map<String, Document> remote = new TreeMap<>();
      for (int i = 0; i < 50; i++) {
        remote.put("doc" + i, s.get("doc" + i).orElseThrow());
      }
      for (int i = 0; i < 50; i += 10) {
        s.update("doc" + i, d -> d.set("v", 2)).get();
      }
      s.update("new", d -> d.set("v", 1)).get();
      Set<String> got = new HashSet<>();
      try (CloseableIterator<KeyedDelta> it = s.changedSince(seen)) {
        while (it.hasNext()) {
          KeyedDelta kd = it.next();
          assertTrue(got.add(kd.key()), "twice: " + kd.key());
          Document r = remote.getOrDefault(kd.key(), Document.empty());
          r.join(kd.delta());
          assertEquals(s.get(kd.key()).orElseThrow().toJson(), r.toJson(), kd.key());
        }
      }
      assertEquals(Set.of("doc0", "doc10", "doc20", "doc30", "doc40", "new"), got);
      try (CloseableIterator<KeyedDelta> it = s.changedSince(s.context())) {
        assertFalse(it.hasNext());
      }
    }
  }

  /**
   * A document in the overlay whose overlay records the asker holds, but whose checkpointed part
   * it lacks, is returned once; one whose overlay records it lacks (and is also indexed in the
   * file) is returned once too.
   */
  @Test
  void changedSince_overlayDocumentsWithUnseenEventsOnlyInTheFile_areReturnedOnce()
      throws Exception {
    Path dir = tmp.resolve("d");
    Replica other = Replica.random();
    try (MapDbDocStore s = open(dir)) {
      s.update("fileOnly", d -> d.set("v", 1)).get();
      s.update("both", d -> d.set("v", 1)).get();
      s.checkpointForTests();
      Document remote = Document.create(other);
      s.applyRemote("fileOnly", remote.set("w", 1)).get(); // overlay: only the other's dot
      s.update("both", d -> d.set("v", 2)).get(); // overlay: this replica's newer dot
      CausalContext asker = new CausalContext();
      asker.addRange(other.id(), 1, s.context().max(other.id())); // none of this replica's
      List<String> got = new ArrayList<>();
      try (CloseableIterator<KeyedDelta> it = s.changedSince(asker)) {
        it.forEachRemaining(kd -> got.add(kd.key()));
      }
      got.sort(null);
      assertEquals(List.of("both", "fileOnly"), got);
    }
  }

  @Test
  void concurrentDurableWriters_allAcknowledgedWritesSurvive() throws Exception {
    Path dir = tmp.resolve("d");
    List<CompletableFuture<Document>> futures = new ArrayList<>();
    try (MapDbDocStore s = MapDbDocStore.open(StoreOptions.in(dir).checkpointBytes(4096)
        .build())) {
      List<Thread> threads = new ArrayList<>();
      List<CompletableFuture<Document>> sync = java.util.Collections.synchronizedList(futures);
      for (int t = 0; t < 8; t++) {
        int tt = t;
        Thread th = new Thread(() -> {
          for (int i = 0; i < 200; i++) {
            int ii = i;
            sync.add(s.update("k" + (ii % 17), d -> d.increment("t" + tt, 1)));
          }
        });
        threads.add(th);
        th.start();
      }
      for (Thread th : threads) {
        th.join();
      }
      for (CompletableFuture<Document> f : futures) {
        f.get();
      }
    }
    try (MapDbDocStore s = open(dir)) {
      long total = 0;
      for (int k = 0; k < 17; k++) {
        Document d = s.get("k" + k).orElseThrow();
        for (int t = 0; t < 8; t++) {
          Object v = d.get("t" + t);
          total += v == null ? 0 : ((Number) v).longValue();
        }
      }
      assertEquals(1600, total);
    }
  }

  static void deleteRecursively(Path dir) throws IOException {
    try (var s = Files.walk(dir)) {
      for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
