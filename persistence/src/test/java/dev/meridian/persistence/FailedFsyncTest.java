package dev.meridian.persistence;

import dev.meridian.crdt.doc.KeyedDelta;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.doc.Document;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A failed journal fsync under a running store, injected by {@link PowerLossFs}: the store must
 * fail closed (PostgreSQL's answer to "fsyncgate"). The writer gets an error; no reader and no
 * sync query ever sees that write; every later write is refused until the store is reopened; what
 * was acknowledged before survives, also a power cut right after.
 */
class FailedFsyncTest {
  private static final long WAIT_SECONDS = 10;

  @TempDir Path tmp;

  @Test
  void failedJournalFsync_failsTheStoreClosed() throws Exception {
    PowerLossFs.requireAvailable();
    try (PowerLossFs fs = PowerLossFs.mount(tmp.resolve("backing"), tmp.resolve("mnt"))) {
      Path dir = fs.mountPoint().resolve("store");
      List<String> observed = new ArrayList<>();
      // Every broken rule is collected, so one failing run shows all of them.
      List<String> violations = new ArrayList<>();
      MapDbDocStore store = MapDbDocStore.open(StoreOptions.in(dir)
          .durability(Durability.DURABLE).build());
      try {
        store.update("acked", d -> d.set("v", 1L)).get(WAIT_SECONDS, TimeUnit.SECONDS);

        // The journal's segments end in .log; MapDB's files and the manifest do not.
        fs.failNextFsync(1, ".log");
        CompletableFuture<Document> failed = store.update("failed", d -> d.set("v", 2L));
        try {
          failed.get(WAIT_SECONDS, TimeUnit.SECONDS);
          violations.add("the write whose fsync failed was acknowledged");
        } catch (ExecutionException e) {
          observed.add("writer got " + e.getCause());
        }
        assertTrue(fs.stats().contains("fsync_failed=1"), "the fault was not used: " + fs.stats());

        try {
          Optional<Document> seen = store.get("failed");
          if (seen.isPresent() && seen.get().get("v") != null) {
            violations.add("get shows the write whose fsync failed: " + seen.get());
          }
        } catch (IllegalStateException e) {
          observed.add("get refused: " + e.getMessage()); // fails closed: reads refused too
        }
        try (CloseableIterator<KeyedDelta> it = store.changedSince(new CausalContext())) {
          while (it.hasNext()) {
            KeyedDelta kd = it.next();
            if (kd.key().equals("failed")) {
              violations.add("the sync query sends the write whose fsync failed to peers: " + kd);
            }
          }
        } catch (RuntimeException e) {
          observed.add("changedSince refused: " + e);
        }

        CompletableFuture<Document> later;
        try {
          later = store.update("later", d -> d.set("v", 3L));
        } catch (RuntimeException e) {
          later = CompletableFuture.failedFuture(e);
        }
        try {
          later.get(WAIT_SECONDS, TimeUnit.SECONDS);
          violations.add("a write after the failed fsync was acknowledged");
        } catch (ExecutionException e) {
          observed.add("later write refused: " + e.getCause());
        }
        try {
          Optional<Document> laterSeen = store.get("later");
          if (laterSeen.isPresent() && laterSeen.get().get("v") != null) {
            violations.add("get shows a later write made after the failed fsync: "
                + laterSeen.get());
          }
        } catch (IllegalStateException e) {
          observed.add("get refused: " + e.getMessage());
        }
      } finally {
        try {
          store.close();
        } catch (RuntimeException e) {
          observed.add("close: " + e);
        }
      }

      // Power cut right after: the acknowledged write survives; the reopened store writes again.
      fs.powerCut();
      try (MapDbDocStore reopened = MapDbDocStore.open(StoreOptions.in(dir).build())) {
        Object acked = reopened.get("acked").map(d -> d.get("v")).orElse(null);
        if (!(acked instanceof Number) || ((Number) acked).longValue() != 1L) {
          violations.add("after a power cut the acknowledged write is lost: " + acked);
        }
        if (reopened.get("later").map(d -> d.get("v") != null).orElse(false)) {
          violations.add("after a power cut a write refused before it survived");
        }
        reopened.update("after", d -> d.set("v", 4L)).get(WAIT_SECONDS, TimeUnit.SECONDS);
      }
      assertEquals(List.of(), violations, "a failed fsync must fail the store closed; observed: "
          + observed);
    }
  }

  /**
   * The part of the rule that holds in the store as it is: the writer whose fsync failed gets an
   * error, later writes are refused, and the acknowledged writes survive a power cut.
   */
  @Test
  void failedJournalFsync_failsTheWriter_refusesLaterWrites_keepsAcknowledgedWrites()
      throws Exception {
    PowerLossFs.requireAvailable();
    try (PowerLossFs fs = PowerLossFs.mount(tmp.resolve("backing"), tmp.resolve("mnt"))) {
      Path dir = fs.mountPoint().resolve("store");
      try (MapDbDocStore store = MapDbDocStore.open(StoreOptions.in(dir)
          .durability(Durability.DURABLE).build())) {
        store.update("acked", d -> d.set("v", 1L)).get(WAIT_SECONDS, TimeUnit.SECONDS);
        fs.failNextFsync(1, ".log");
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(
            ExecutionException.class, () -> store.update("failed", d -> d.set("v", 2L))
                .get(WAIT_SECONDS, TimeUnit.SECONDS));
        assertTrue(e.getCause() instanceof StoreException, e.toString());
        assertTrue(fs.stats().contains("fsync_failed=1"), fs.stats());
        fs.clearFaults();
        org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
            () -> store.update("later", d -> d.set("v", 3L)).get(WAIT_SECONDS, TimeUnit.SECONDS),
            "a write after the failed fsync was accepted");
      }
      fs.powerCut();
      try (MapDbDocStore reopened = MapDbDocStore.open(StoreOptions.in(dir).build())) {
        assertEquals(1L, ((Number) reopened.get("acked").orElseThrow().get("v")).longValue());
        assertTrue(reopened.get("later").map(d -> d.get("v") == null).orElse(true),
            "a refused write survived");
        reopened.update("after", d -> d.set("v", 4L)).get(WAIT_SECONDS, TimeUnit.SECONDS);
      }
    }
  }
}
