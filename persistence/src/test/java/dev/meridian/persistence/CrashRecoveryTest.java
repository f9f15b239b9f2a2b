package dev.meridian.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.meridian.crdt.doc.Document;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kill -9 test: a separate JVM ({@link CrashWriter}) writes with durable acks and prints each
 * acknowledged write; it is killed at random moments and exactly at the commit points (paused or
 * halted inside the journal's write and fsync, at a segment roll, inside MapDB's apply and
 * commit, at the manifest rename).
 * After each kill the store must open with no manual step and hold every acknowledged write.
 *
 * <p>Cycles: system property {@code meridian.killCycles} (20 by default, 500 with -Pthorough).
 */
class CrashRecoveryTest {
  private static final Logger LOG = LoggerFactory.getLogger(CrashRecoveryTest.class);

  private static final String[] POINTS = {CrashPoints.JOURNAL_WRITE, CrashPoints.JOURNAL_FSYNC,
      CrashPoints.JOURNAL_ROLL, CrashPoints.MAPDB_APPLY, CrashPoints.MAPDB_COMMIT,
      CrashPoints.MANIFEST_WRITE};

  @TempDir Path tmp;

  @Test
  void killNine_atRandomMomentsAndCommitPoints_losesNoAcknowledgedWrite() throws Exception {
    int cycles = Integer.getInteger("meridian.killCycles", 20);
    long seed = Long.getLong("meridian.seed", System.nanoTime());
    LOG.warn("kill -9 test: {} cycles, seed {}", cycles, seed);
    Random random = new Random(seed);
    Path dir = tmp.resolve("store");
    // key -> (seq) for every acknowledged write so far
    Map<String, List<Long>> acked = new TreeMap<>();
    int kills = 0;
    int atPoints = 0;
    long ackCount = 0;
    int repairs = 0;
    Map<String, Integer> byMode = new TreeMap<>();
    for (int cycle = 0; cycle < cycles; cycle++) {
      // Cycle through the commit points (each by pause, halt, or halt during the operation)
      // and a random moment, so that 20 cycles cover nearly every point three ways.
      String crashAt = null;
      String mode;
      int slot = cycle % (POINTS.length + 1);
      if (slot < POINTS.length) {
        String point = POINTS[slot];
        int variant = (cycle / (POINTS.length + 1)) % 3;
        String how = variant == 0 ? "pause" : variant == 1 ? "die" : "during";
        int nth = point.equals(CrashPoints.MAPDB_APPLY) ? 1 + random.nextInt(300)
            : point.equals(CrashPoints.JOURNAL_ROLL) ? 1 + random.nextInt(2)
            : 1 + random.nextInt(point.startsWith("journal") ? 60 : 8);
        crashAt = point + ":" + nth + ":" + how;
        mode = point + ":" + how;
      } else {
        mode = "random";
      }
      long killAfterMillis = 200 + random.nextInt(800);
      long cycleStart = System.nanoTime();
      Result r = runChild(dir, (long) (cycle + 1) * 100_000_000L, crashAt, killAfterMillis);
      kills++;
      if (r.hitPoint) {
        atPoints++;
        byMode.merge(mode, 1, Integer::sum);
      } else {
        byMode.merge("random", 1, Integer::sum);
      }
      repairs += r.childRepairs;
      for (Map.Entry<String, List<Long>> e : r.acks.entrySet()) {
        acked.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).addAll(e.getValue());
        ackCount += e.getValue().size();
      }
      // Every other cycle the test verifies; otherwise the next writer recovers on its own.
      if (cycle % 2 == 1 || cycle == cycles - 1) {
        repairs += verify(dir, acked);
      }
      LOG.info("cycle {} {}: {} acks, {} ms", cycle, mode, r.acks.values().stream()
          .mapToInt(List::size).sum(), (System.nanoTime() - cycleStart) / 1_000_000);
    }
    String summary = String.format("kills=%d (at commit points %d, random %d), acknowledged "
        + "writes=%d, lost=0, repairs=%d, by mode %s", kills, atPoints, kills - atPoints, ackCount,
        repairs, byMode);
    LOG.warn("kill -9 test: {}", summary);
    System.out.println("CrashRecoveryTest: " + summary);
    assertTrue(ackCount > kills, "the writer acknowledged too few writes: " + ackCount);
  }

  /** Opens the store, checks every acknowledged write; returns the repairs the open made. */
  private static int verify(Path dir, Map<String, List<Long>> acked) throws IOException {
    try (MapDbDocStore store = MapDbDocStore.open(StoreOptions.in(dir).build())) {
      long lost = 0;
      StringBuilder firstLost = new StringBuilder();
      for (Map.Entry<String, List<Long>> e : acked.entrySet()) {
        Document d = store.get(e.getKey()).orElse(Document.empty());
        for (long seq : e.getValue()) {
          Object v = d.get("f" + seq);
          if (!(v instanceof Number) || ((Number) v).longValue() != seq) {
            lost++;
            if (firstLost.length() < 200) {
              firstLost.append(e.getKey()).append(":f").append(seq).append(' ');
            }
          }
        }
      }
      assertEquals(0, lost, "acknowledged writes lost, e.g. " + firstLost + "; recovery "
          + store.recoveryReport());
      return store.recoveryReport().repairs();
    }
  }

  private record Result(Map<String, List<Long>> acks, boolean hitPoint, int childRepairs) {}

  private static Result runChild(Path dir, long firstSeq, String crashAt, long killAfterMillis)
      throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx256m");
    cmd.add("-XX:TieredStopAtLevel=1");
    cmd.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
    if (crashAt != null) {
      cmd.add("-Dmeridian.crashAt=" + crashAt);
    }
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(CrashWriter.class.getName());
    cmd.add(dir.toString());
    cmd.add(Long.toString(firstSeq));
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    Map<String, List<Long>> acks = new ConcurrentHashMap<>();
    CountDownLatch paused = new CountDownLatch(1);
    CountDownLatch opened = new CountDownLatch(1);
    int[] childRepairs = {0};
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(),
          StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null) {
          if (line.startsWith("ACK ")) {
            String[] parts = line.split(" ");
            acks.computeIfAbsent(parts[1], k -> java.util.Collections.synchronizedList(
                new ArrayList<>())).add(Long.parseLong(parts[2]));
          } else if (line.startsWith("PAUSED ")) {
            paused.countDown();
          } else if (line.startsWith("OPEN ")) {
            childRepairs[0] = Integer.parseInt(line.split(" ")[1]);
            opened.countDown();
          }
        }
      } catch (IOException e) {
        // the process died; what was read counts
      }
    });
    reader.start();
    // A crash point may be reached while the writer opens the store (its first journal record
    // is a counter reservation): then it pauses or dies before printing OPEN.
    long openDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (opened.getCount() > 0 && paused.getCount() > 0 && p.isAlive()
        && System.nanoTime() < openDeadline) {
      opened.await(10, TimeUnit.MILLISECONDS);
    }
    if (opened.getCount() > 0 && paused.getCount() > 0 && p.isAlive()) {
      p.destroyForcibly();
      fail("the writer did not open the store");
    }
    boolean hit;
    if (crashAt == null) {
      Thread.sleep(killAfterMillis);
      hit = false;
    } else {
      // Wait for the point (pause) or the self-kill (die, during); else kill at random.
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2000);
      while (System.nanoTime() < deadline && p.isAlive() && paused.getCount() > 0) {
        paused.await(10, TimeUnit.MILLISECONDS);
      }
      hit = !p.isAlive() || paused.getCount() == 0;
    }
    p.destroyForcibly(); // SIGKILL
    p.waitFor(30, TimeUnit.SECONDS);
    reader.join(TimeUnit.SECONDS.toMillis(30));
    if (p.exitValue() == 0) {
      fail("the writer exited by itself");
    }
    Map<String, List<Long>> copy = new HashMap<>();
    acks.forEach((k, v) -> copy.put(k, new ArrayList<>(v)));
    return new Result(copy, hit, childRepairs[0]);
  }
}
