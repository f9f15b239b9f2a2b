package dev.meridian.peer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.meridian.crdt.doc.Document;
import dev.meridian.peer.Meridian;
import dev.meridian.peer.TestPeers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code meridian backup} of a running peer under writes over real gRPC, {@code meridian restore}
 * into a new directory, and a peer started on it: a new replica id, every write acknowledged
 * before the backup, and convergence with the cluster.
 */
class BackupRestoreTest {
  @TempDir Path dir;

  private Meridian peer(String name, List<String> peers) throws Exception {
    return TestPeers.open(dir, name, peers);
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    TestPeers.await(what, 60, condition);
  }

  private static List<String> everything(Meridian m) {
    List<String> out = new ArrayList<>();
    String after = null;
    do {
      var page = m.list("", after, 1000);
      for (String k : page.keys()) {
        out.add(k + "=" + m.get(k).map(Document::toJson).orElse("-"));
      }
      after = page.next();
    } while (after != null);
    return out;
  }

  @Test
  void backupUnderWrites_restoreIntoNewDirectory_convergesAsANewReplica() throws Exception {
    Path backup = dir.resolve("backup");
    Path restored = dir.resolve("restored");
    ConcurrentLinkedQueue<String> acked = new ConcurrentLinkedQueue<>();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicReference<Throwable> failed = new AtomicReference<>();
    try (Meridian a = peer("a", List.of()); Meridian b = peer("b", List.of(a.listenAddress()))) {
      Thread writer = new Thread(() -> {
        for (int i = 0; !stop.get(); i++) {
          String key = "k/" + (i % 500);
          long v = i;
          try {
            a.update(key, d -> d.set("v", v)).get();
            acked.add(key + "=" + v);
          } catch (Exception | Error e) {
            failed.set(e);
            return;
          }
        }
      });
      writer.start();
      await("1,000 writes", () -> acked.size() >= 1_000 || failed.get() != null);
      List<String> ackedBefore = new ArrayList<>(acked);
      FakePeer.Result r = FakePeer.run("backup", "--peer", a.listenAddress(), backup.toString());
      assertEquals(0, r.code(), r.err());
      assertTrue(r.out().contains("backup of replica " + a.replicaId()), r.out());
      int afterBackup = acked.size();
      await("500 more writes", () -> acked.size() >= afterBackup + 500 || failed.get() != null);
      stop.set(true);
      writer.join();
      assertNull(failed.get(), () -> "the writer failed: " + failed.get());
      assertTrue(acked.size() > ackedBefore.size(), "writes stopped during the backup");
      assertTrue(Files.exists(backup.resolve("BACKUP")));

      r = FakePeer.run("restore", backup.toString(), "--data-dir", restored.toString());
      assertEquals(0, r.code(), r.err());
      assertTrue(r.out().contains("of replica " + a.replicaId()), r.out());

      try (Meridian c = TestPeers.openIn(restored, "c",
          List.of(a.listenAddress(), b.listenAddress()))) {
        assertNotEquals(a.replicaId(), c.replicaId(), "a restore reused the backed-up id");
        assertNotEquals(b.replicaId(), c.replicaId());
        for (String kv : ackedBefore) {
          String key = kv.substring(0, kv.indexOf('='));
          long v = Long.parseLong(kv.substring(kv.indexOf('=') + 1));
          Number got = (Number) c.get(key).orElseThrow(() -> new AssertionError("lost " + key))
              .get("v");
          assertTrue(got.longValue() >= v, key + " at the restored peer went back before " + v);
        }
        c.update("written-at-c", d -> d.set("v", 1L)).get();
        await("all three hold the same documents", () -> {
          List<String> at = everything(a);
          return at.size() == 501 && at.equals(everything(b)) && at.equals(everything(c));
        });
      }
    }
  }

  @Test
  void restore_ofAnIncompleteBackup_isRefused_andWritesNothing() throws Exception {
    Path backup = Files.createDirectories(dir.resolve("partial"));
    Files.writeString(backup.resolve("manifest"), "x");
    Path target = dir.resolve("target");
    FakePeer.Result r = FakePeer.run("restore", backup.toString(), "--data-dir",
        target.toString());
    assertEquals(Main.FAILED, r.code());
    assertTrue(r.err().contains("not a complete Meridian backup"), r.err());
    assertTrue(!Files.exists(target.resolve("store")), "a refused restore wrote a store");
  }

  @Test
  void backup_intoANonEmptyDirectory_isAUsageError() throws Exception {
    Path busy = Files.createDirectories(dir.resolve("busy"));
    Files.writeString(busy.resolve("file"), "x");
    FakePeer.Result r = FakePeer.run("backup", "--peer", "127.0.0.1:1", busy.toString());
    assertEquals(Main.USAGE, r.code());
    assertTrue(r.err().contains("is not empty"), r.err());
  }
}
