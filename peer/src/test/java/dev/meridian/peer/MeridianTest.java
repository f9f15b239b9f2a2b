package dev.meridian.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.meridian.crdt.doc.Document;
import dev.meridian.crdt.doc.TypeClashException;
import dev.meridian.transport.grpc.TlsSettings;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MeridianTest {
  @TempDir
  Path dir;

  private Meridian open() throws IOException {
    return Meridian.builder().dataDir(dir.resolve("data")).open();
  }

  @Test
  void update_thenGet_readsTheWrite_andSurvivesReopen() throws Exception {
    try (Meridian m = open()) {
      m.update("users/ada", d -> {
        Document delta = d.set("name", "Ada");
        delta.join(d.increment("visits", 2));
        delta.join(d.add("tags", "math"));
        return delta;
      }).join();
      assertEquals("{\"name\":\"Ada\",\"tags\":[\"math\"],\"visits\":2}",
          m.get("users/ada").orElseThrow().toJson());
    }
    try (Meridian m = open()) {
      assertEquals(2L, m.get("users/ada").orElseThrow().get("visits"));
      assertEquals(0, m.metrics().writes(), "a reopened peer counts its writes from zero");
    }
  }

  @Test
  void get_absentKey_isEmpty_andBadKeyIsRefused() throws Exception {
    try (Meridian m = open()) {
      assertTrue(m.get("nothing").isEmpty());
      assertThrows(IllegalArgumentException.class, () -> m.get(""));
    }
  }

  @Test
  void update_failingEdit_changesNothing_evenAfterEarlierMutatorsRan() throws Exception {
    try (Meridian m = open()) {
      m.update("k", d -> d.increment("n", 1)).join();
      String before = m.get("k").orElseThrow().toJson();
      CompletionException e = assertThrows(CompletionException.class,
          () -> m.update("k", d -> {
            Document delta = d.set("name", "x"); // applied to the live document...
            delta.join(d.set("n.deeper", 1));     // ...then this one clashes with the counter
            return delta;
          }).join());
      assertInstanceOf(TypeClashException.class, e.getCause());
      assertEquals(before, m.get("k").orElseThrow().toJson());
      m.update("k", d -> d.increment("n", 1)).join();
      assertEquals("{\"n\":2}", m.get("k").orElseThrow().toJson());
    }
    try (Meridian m = open()) {
      assertEquals("{\"n\":2}", m.get("k").orElseThrow().toJson());
    }
  }

  @Test
  void documentsWhoseListOrTextWasEmptied_readAsAbsent_andDeleteHidesTextAndLists() throws Exception {
    // Found in review: a list or text keeps tombstones, so "state not empty" is not "has values".
    try (Meridian m = open()) {
      m.update("t", d -> d.insertText("body", 0, "abc")).join();
      m.update("t", d -> d.deleteText("body", 0, 3)).join();
      m.update("l", d -> d.insert("items", 0, 1L)).join();
      m.update("l", d -> d.delete("items", 0, 1)).join();
      assertTrue(m.get("t").isEmpty());
      assertTrue(m.get("l").isEmpty());
      assertEquals(List.of(), m.list("", null, 10).keys());
      assertFalse(m.delete("t").join(), "nothing shown, nothing to delete");

      m.update("t2", d -> d.insertText("body", 0, "abc")).join();
      m.update("l2", d -> d.insert("items", 0, "x")).join();
      assertTrue(m.delete("t2").join());
      assertTrue(m.delete("l2").join());
      assertTrue(m.get("t2").isEmpty());
      assertTrue(m.get("l2").isEmpty());
      assertEquals(List.of(), m.list("", null, 10).keys());
    }
  }

  @Test
  void delete_hidesTheDocument_fromGetAndList_andReportsWhetherItExisted() throws Exception {
    try (Meridian m = open()) {
      m.update("a", d -> d.set("x", 1)).join();
      m.update("b", d -> d.set("[\"x.y\\\"z\"]", 1)).join(); // a key that needs quoting in a path
      assertTrue(m.delete("b").join());
      assertFalse(m.delete("b").join());
      assertFalse(m.delete("never").join());
      assertTrue(m.get("b").isEmpty());
      assertEquals(List.of("a"), m.list("", null, 10).keys());
      m.update("b", d -> d.set("again", true)).join();
      assertEquals(List.of("a", "b"), m.list("", null, 10).keys());
    }
  }

  @Test
  void list_pagesByPrefix_skippingDeletedDocuments() throws Exception {
    try (Meridian m = open()) {
      for (int i = 0; i < 25; i++) {
        String key = String.format("item/%02d", i);
        m.update(key, d -> d.set("i", 1)).join();
      }
      m.update("other", d -> d.set("i", 1)).join();
      for (int i = 0; i < 25; i += 3) {
        m.delete(String.format("item/%02d", i)).join();
      }
      List<String> all = new ArrayList<>();
      String after = null;
      int pages = 0;
      do {
        Meridian.Page p = m.list("item/", after, 4);
        assertTrue(p.keys().size() <= 4);
        all.addAll(p.keys());
        after = p.next();
        pages++;
      } while (after != null);
      List<String> expected = new ArrayList<>();
      for (int i = 0; i < 25; i++) {
        if (i % 3 != 0) {
          expected.add(String.format("item/%02d", i));
        }
      }
      assertEquals(expected, all);
      assertTrue(pages >= 4, "pages: " + pages);
      assertThrows(IllegalArgumentException.class, () -> m.list("", null, 0));
    }
  }

  @Test
  void watch_seesLocalChangesUnderItsPrefix_inOrder_andEndsOnClose() throws Exception {
    try (Meridian m = open()) {
      LinkedBlockingQueue<String> seen = new LinkedBlockingQueue<>();
      CountDownLatch ended = new CountDownLatch(1);
      Meridian.Watch w = m.watch("users/", new Watcher() {
        @Override
        public void onChange(Change c) {
          seen.add(c.origin() + " " + c.key() + " " + c.document().map(Document::toJson).orElse("-"));
        }

        @Override
        public void onEnd(String reason) {
          assertNull(reason);
          ended.countDown();
        }
      });
      m.update("users/ada", d -> d.set("n", 1)).join();
      m.update("teams/x", d -> d.set("n", 1)).join();
      m.delete("users/ada").join();
      String first = seen.poll(5, TimeUnit.SECONDS);
      // The document is read at delivery, so the delete may already show.
      assertTrue(first.equals("LOCAL users/ada {\"n\":1}") || first.equals("LOCAL users/ada -"), first);
      assertEquals("LOCAL users/ada -", seen.poll(5, TimeUnit.SECONDS));
      w.close();
      assertTrue(ended.await(5, TimeUnit.SECONDS));
      m.update("users/bob", d -> d.set("n", 1)).join();
      assertNull(seen.poll(200, TimeUnit.MILLISECONDS), "a closed watch received a change");
    }
  }

  @Test
  void siteName_isGeneratedOnce_thenKept_andCanBeSet() throws Exception {
    String generated;
    try (Meridian m = open()) {
      generated = m.site();
      assertTrue(generated.matches("site-[0-9a-f]{6}"), generated);
    }
    try (Meridian m = open()) {
      assertEquals(generated, m.site());
    }
    try (Meridian m = Meridian.builder().dataDir(dir.resolve("data")).site("lisbon").open()) {
      assertEquals("lisbon", m.site());
    }
    try (Meridian m = open()) {
      assertEquals("lisbon", m.site());
    }
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Meridian.builder().dataDir(dir.resolve("data")).site("no spaces").open());
    assertTrue(e.getMessage().contains("site name"), e.getMessage());
  }

  @Test
  void open_refusesAFileAsDataDir_aLockedDir_andABusyPort() throws Exception {
    Path file = Files.writeString(dir.resolve("file"), "x");
    IOException notDir = assertThrows(IOException.class,
        () -> Meridian.builder().dataDir(file).open());
    assertTrue(notDir.getMessage().contains("not a directory"), notDir.getMessage());

    try (Meridian m = open()) {
      IOException locked = assertThrows(IOException.class, this::open);
      assertTrue(locked.getMessage().contains("in use"), locked.getMessage());
      m.update("still", d -> d.set("ok", true)).join(); // the first store is unharmed
    }

    try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      IOException bind = assertThrows(IOException.class, () -> Meridian.builder()
          .dataDir(dir.resolve("busy")).listen("127.0.0.1:" + busy.getLocalPort()).open());
      assertTrue(bind.getMessage().contains("already in use"), bind.getMessage());
      assertFalse(Files.exists(dir.resolve("busy")), "a peer that cannot listen creates nothing");
    }
    try (Meridian m = Meridian.builder().dataDir(dir.resolve("busy")).open()) {
      assertTrue(m.get("x").isEmpty());
    }
    // A failure after the store was created (TLS files that do not exist, read when the server
    // starts) removes the data directory this open created.
    IOException tls = assertThrows(IOException.class, () -> Meridian.builder()
        .dataDir(dir.resolve("tls")).listen("127.0.0.1:0")
        .tls(TlsSettings.mutual(dir.resolve("no-cert.pem").toFile(),
            dir.resolve("no-key.pem").toFile(), dir.resolve("no-ca.pem").toFile()))
        .open());
    assertFalse(Files.exists(dir.resolve("tls")), tls + " left " + dir.resolve("tls"));
    IllegalArgumentException badAddress = assertThrows(IllegalArgumentException.class,
        () -> Meridian.builder().dataDir(dir.resolve("c")).listen("localhost").open());
    assertTrue(badAddress.getMessage().contains("host:port"), badAddress.getMessage());
  }

  @Test
  void metrics_renderThePrometheusTextFormat() throws Exception {
    try (Meridian m = open()) {
      m.update("a", d -> d.set("x", 1)).join();
      m.update("a", d -> d.set("x", 2)).join();
      StringBuilder out = new StringBuilder();
      m.writeMetrics(out);
      String text = out.toString();
      assertEquals(2.0, PromText.value(text, "meridian_writes_total").orElseThrow(), text);
      assertEquals(2.0, PromText.value(text, "meridian_commit_seconds_count").orElseThrow(), text);
      assertTrue(PromText.hasType(text, "meridian_commit_seconds", "histogram"), text);
      assertEquals(1.0, PromText.value(text, "meridian_documents").orElseThrow(), text);
      assertTrue(PromText.value(text, "meridian_journal_bytes").orElseThrow() > 0, text);
      assertTrue(PromText.hasType(text, "meridian_journal_backlog_bytes", "gauge"), text);
      assertEquals(1.0, PromText.value(text, "meridian_info", "site", m.site(), "replica",
          m.replicaId()).orElseThrow(), text);
      for (String line : text.split("\n")) {
        assertTrue(line.startsWith("#")
            || line.matches("[a-z_]+(\\{[^}]*\\})? ([0-9.eE+-]+|NaN)"), line);
      }
    }
  }
}
