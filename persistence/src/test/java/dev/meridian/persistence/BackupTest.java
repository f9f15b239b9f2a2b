package dev.meridian.persistence;

import dev.meridian.crdt.doc.KeyedDelta;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.meridian.crdt.doc.Document;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Backups of a store under writes, and restores into a new replica. */
class BackupTest {
  @TempDir Path tmp;

  private static StoreOptions options(Path dir) {
    // Small segments and checkpoints: the backup races real checkpoints, rolls and deletions.
    return StoreOptions.in(dir).segmentBytes(64 << 10).checkpointBytes(32 << 10)
        .checkpointInterval(Duration.ofMillis(5)).build();
  }

  @Test
  void backupDuringWrites_restoresEveryWriteAcknowledgedBeforeIt_asANewReplica()
      throws Exception {
    Path source = tmp.resolve("source");
    Path backup = tmp.resolve("backup");
    Path restored = tmp.resolve("restored");
    ConcurrentLinkedQueue<String> acked = new ConcurrentLinkedQueue<>();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicReference<Throwable> failed = new AtomicReference<>();
    List<String> ackedBefore;
    Backups.Taken taken;
    try (MapDbDocStore s = MapDbDocStore.open(options(source))) {
      Thread writer = new Thread(() -> {
        for (int i = 0; !stop.get(); i++) {
          String key = "k" + (i % 3_000);
          long v = i;
          try {
            s.update(key, d -> {
              d.set("pad", "x".repeat(200));
              return d.set("v", v);
            }).get();
            acked.add(key + "=" + v);
          } catch (Exception | Error e) {
            failed.set(e);
            return;
          }
        }
      });
      writer.start();
      while (acked.size() < 4_000) {
        assertNull(failed.get(), () -> "the writer failed: " + failed.get());
        Thread.sleep(5);
      }
      ackedBefore = new ArrayList<>(acked);
      long checkpointsBefore = s.stats().checkpoints();
      taken = s.backup(backup);
      while (acked.size() < ackedBefore.size() + 2_000) {
        assertNull(failed.get(), () -> "the writer failed: " + failed.get());
        Thread.sleep(5);
      }
      stop.set(true);
      writer.join();
      assertTrue(s.stats().checkpoints() > checkpointsBefore, "no checkpoint ran around it");
      assertEquals(s.replica().id(), taken.replica());
    }
    assertTrue(Files.exists(backup.resolve(Backups.MARKER)));

    Backups.Restored r = Backups.restore(backup, StoreOptions.in(restored).build());
    assertEquals(taken.replica(), r.from());
    assertNotEquals(r.from(), r.as(), "a restore must never reuse the backed-up replica id");
    try (MapDbDocStore s = MapDbDocStore.open(StoreOptions.in(restored).build())) {
      assertEquals(r.as(), s.replica().id());
      // Every write acknowledged before the backup: the key holds that value or a later one.
      for (String kv : ackedBefore) {
        String key = kv.substring(0, kv.indexOf('='));
        long v = Long.parseLong(kv.substring(kv.indexOf('=') + 1));
        Document d = s.get(key).orElseThrow(() -> new AssertionError("lost " + key));
        assertTrue(((Number) d.get("v")).longValue() >= v, key + " went back before " + v);
      }
      assertTrue(s.context().max(taken.replica()) > 0, "the old replica's events came along");
      s.update("after-restore", d -> d.set("v", 1L)).get();
      Document after = s.get("after-restore").orElseThrow();
      assertEquals(java.util.Set.of(r.as()), after.context().replicas(),
          "a write after the restore carries a dot of the new replica only");
    }
  }

  @Test
  void restoredStore_andItsSource_exchangeOnlyWhatTheOtherLacks() throws Exception {
    Path source = tmp.resolve("source");
    Path backup = tmp.resolve("backup");
    Path restored = tmp.resolve("restored");
    try (MapDbDocStore s = MapDbDocStore.open(options(source))) {
      for (int i = 0; i < 100; i++) {
        int n = i;
        s.update("d" + i, d -> d.set("v", (long) n)).get();
      }
      s.backup(backup);
      s.update("d7", d -> d.set("v", 700L)).get();
      Backups.restore(backup, StoreOptions.in(restored).build());
      try (MapDbDocStore t = MapDbDocStore.open(StoreOptions.in(restored).build())) {
        Set<String> missing = new HashSet<>();
        try (CloseableIterator<KeyedDelta> it = s.changedSince(t.context())) {
          while (it.hasNext()) {
            KeyedDelta kd = it.next();
            missing.add(kd.key());
            t.applyRemote(kd.key(), kd.delta()).get();
          }
        }
        assertEquals(Set.of("d7"), missing, "the restored store lacked only the later write");
        assertEquals(700L, t.get("d7").orElseThrow().get("v"));
        try (CloseableIterator<KeyedDelta> it = t.changedSince(s.context())) {
          assertFalse(it.hasNext(), "the restored store has nothing the source lacks");
        }
      }
    }
  }

  @Test
  void incompleteOrForeignBackups_andNonEmptyTargets_areRefused_andNothingIsWritten()
      throws Exception {
    Path source = tmp.resolve("source");
    Path backup = tmp.resolve("backup");
    try (MapDbDocStore s = MapDbDocStore.open(options(source))) {
      s.update("a", d -> d.set("v", 1L)).get();
      Path busy = Files.createDirectories(tmp.resolve("busy"));
      Files.writeString(busy.resolve("something"), "x");
      StoreException e = assertThrows(StoreException.class, () -> s.backup(busy));
      assertTrue(e.getMessage().contains("is not empty"), e.getMessage());
      s.backup(backup);
    }
    Path target = tmp.resolve("target");
    Files.delete(backup.resolve(Backups.MARKER));
    StoreException e = assertThrows(StoreException.class,
        () -> Backups.restore(backup, StoreOptions.in(target).build()));
    assertTrue(e.getMessage().contains("not a complete Meridian backup"), e.getMessage());
    assertFalse(Files.exists(target), "a refused restore wrote " + target);
    Files.writeString(backup.resolve(Backups.MARKER), "meridian-backup 99\n");
    e = assertThrows(StoreException.class,
        () -> Backups.restore(backup, StoreOptions.in(target).build()));
    assertTrue(e.getMessage().contains("unknown format"), e.getMessage());
    assertFalse(Files.exists(target));
  }
}
