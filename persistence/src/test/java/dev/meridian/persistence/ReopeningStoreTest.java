package dev.meridian.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.meridian.crdt.doc.Document;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store on a real full disk: a small tmpfs that a ballast file fills. Writes are refused with an
 * error that says the disk is full, nothing acknowledged is lost, and once the ballast is removed
 * the store reopens itself and takes writes again, with no call from its owner. Also a failed fsync
 * (injected by {@link PowerLossFs}), after which the store reopens the same way.
 */
class ReopeningStoreTest {
  private static final long WAIT_SECONDS = 20;

  @TempDir Path tmp;

  @Test
  void fullDisk_checkpointFailsFirst() throws Exception {
    fullDisk(java.time.Duration.ofMillis(100));
  }

  @Test
  void fullDisk_journalFailsFirst() throws Exception {
    fullDisk(java.time.Duration.ofHours(1));
  }

  private void fullDisk(java.time.Duration checkpointInterval) throws Exception {
    Path mnt = tmp.resolve("small");
    Files.createDirectories(mnt);
    mountTmpfs(mnt, "24m");
    try {
      Path dir = mnt.resolve("store");
      try (ReopeningStore store = ReopeningStore.open(StoreOptions.in(dir)
          .checkpointInterval(checkpointInterval).build())) {
        for (int i = 0; i < 100; i++) {
          int n = i;
          store.update("acked/" + i, d -> d.set("v", (long) n)).get(WAIT_SECONDS, TimeUnit.SECONDS);
        }
        Path ballast = mnt.resolve("ballast");
        fill(ballast);

        // Write until the disk refuses: the journal preallocates nothing, so the first full
        // segment write fails (or a checkpoint does, which fails the store the same way).
        String refusal = null;
        List<String> ackedWhileFull = new ArrayList<>();
        byte[] big = new byte[64 * 1024];
        for (int i = 0; i < 2_000 && refusal == null; i++) {
          String key = "full/" + i;
          try {
            store.update(key, d -> d.set("blob", new String(big, java.nio.charset.StandardCharsets
                .ISO_8859_1))).get(WAIT_SECONDS, TimeUnit.SECONDS);
            ackedWhileFull.add(key);
          } catch (ExecutionException e) {
            refusal = String.valueOf(e.getCause().getMessage());
          }
        }
        assertTrue(refusal != null, "the full disk never refused a write");
        assertTrue(refusal.contains("disk") && refusal.contains("full"),
            "the refusal does not say the disk is full: " + refusal);

        Thread.sleep(3_000); // the disk stays full across several attempts to reopen
        Files.delete(ballast);
        // No call from us: the store reopens on its own once the disk has room.
        CompletableFuture<Document> after = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (System.nanoTime() < deadline) {
          try {
            after = store.update("after", d -> d.set("v", 7L));
            after.get(WAIT_SECONDS, TimeUnit.SECONDS);
            break;
          } catch (ExecutionException e) {
            after = null;
            Thread.sleep(100);
          }
        }
        assertTrue(after != null, "the store did not take writes again after space returned");
        assertTrue(store.reopens() >= 1, "the store was not reopened: " + store.reopens());
        for (int i = 0; i < 100; i++) {
          Document d = store.get("acked/" + i).orElseThrow(() -> new AssertionError("lost"));
          assertEquals((long) i, d.get("v"));
        }
        for (String key : ackedWhileFull) {
          assertTrue(store.get(key).isPresent(), "acknowledged while filling, then lost: " + key);
        }
        assertEquals(7L, store.get("after").orElseThrow().get("v"));
      }
    } finally {
      run("umount", "-l", mnt.toString());
    }
  }

  @Test
  void failedFsync_theStoreReopensAndKeepsWhatWasAcknowledged() throws Exception {
    PowerLossFs.requireAvailable();
    try (PowerLossFs fs = PowerLossFs.mount(tmp.resolve("backing"), tmp.resolve("mnt"))) {
      Path dir = fs.mountPoint().resolve("store");
      try (ReopeningStore store = ReopeningStore.open(StoreOptions.in(dir).build())) {
        store.update("acked", d -> d.set("v", 1L)).get(WAIT_SECONDS, TimeUnit.SECONDS);
        MapDbDocStore first = store.current();
        fs.failNextFsync(1, ".log");
        try {
          store.update("failed", d -> d.set("v", 2L)).get(WAIT_SECONDS, TimeUnit.SECONDS);
          fail("the write whose fsync failed was acknowledged");
        } catch (ExecutionException expected) {
          // the writer is told
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (store.current() == first && System.nanoTime() < deadline) {
          Thread.sleep(20);
        }
        assertTrue(store.current() != first, "the failed store was not reopened");
        store.update("later", d -> d.set("v", 3L)).get(WAIT_SECONDS, TimeUnit.SECONDS);
        assertEquals(1L, store.get("acked").orElseThrow().get("v"));
        assertTrue(store.get("failed").isEmpty(), "the write whose fsync failed became visible");
        assertEquals(3L, store.get("later").orElseThrow().get("v"));
      }
    }
  }

  private static void fill(Path ballast) throws IOException {
    byte[] chunk = new byte[1 << 20];
    try (OutputStream out = Files.newOutputStream(ballast)) {
      while (true) {
        out.write(chunk);
      }
    } catch (IOException e) {
      if (!StoreState.diskFull(e)) {
        throw e;
      }
    }
  }

  private static void mountTmpfs(Path mnt, String size) throws IOException, InterruptedException {
    boolean ci = "true".equals(System.getenv("CI"));
    String out = run("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", mnt.toString());
    if (out != null) {
      if (ci) {
        fail("cannot mount a tmpfs for the full-disk test (needs root): " + out);
      }
      Assumptions.abort("skipped: cannot mount a tmpfs for the full-disk test (needs root): " + out);
    }
  }

  /** Runs a command; null if it succeeded, else its output. */
  private static String run(String... cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    return p.waitFor() == 0 ? null : out.trim() + " (exit " + p.exitValue() + ")";
  }
}
