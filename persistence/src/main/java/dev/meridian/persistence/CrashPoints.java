package dev.meridian.persistence;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Test hooks at the commit points: lets a crash test stop the process exactly inside the journal's
 * fsync or MapDB's commit. Off unless the system property {@code meridian.crashAt} is set, as
 * {@code point:n:mode}: at the {@code n}th time {@code point} is reached, {@code mode} {@code die}
 * halts the JVM at once (as kill -9 would), {@code pause} prints {@code PAUSED point} on stdout and
 * blocks forever so the test can kill -9 it, and {@code during} halts it a random few hundred
 * microseconds later from another thread, while the guarded operation runs.
 */
final class CrashPoints {
  private static final Logger LOG = LoggerFactory.getLogger(CrashPoints.class);

  /** Names of the points, in the order a write reaches them. */
  static final String JOURNAL_WRITE = "journal.write";
  static final String JOURNAL_FSYNC = "journal.fsync";
  static final String JOURNAL_ROLL = "journal.roll";
  static final String MAPDB_APPLY = "mapdb.apply";
  static final String MAPDB_COMMIT = "mapdb.commit";
  static final String MANIFEST_WRITE = "manifest.write";

  private static final String POINT;
  private static final int NTH;
  private static final String MODE;
  private static final AtomicInteger HITS = new AtomicInteger();

  static {
    String spec = System.getProperty("meridian.crashAt");
    String point = null;
    int nth = 0;
    String mode = null;
    if (spec != null && !spec.isEmpty()) {
      String[] parts = spec.split(":");
      point = parts[0];
      nth = Integer.parseInt(parts[1]);
      mode = parts[2];
      LOG.info("crash point armed: {}", spec);
    }
    POINT = point;
    NTH = nth;
    MODE = mode;
  }

  private CrashPoints() {}

  /** Called by the store at {@code point}; does nothing unless a test armed that point. */
  static void at(String point) {
    if (POINT == null || !POINT.equals(point) || HITS.incrementAndGet() != NTH) {
      return;
    }
    switch (MODE) {
      case "die" -> Runtime.getRuntime().halt(137);
      case "pause" -> {
        System.out.println("PAUSED " + point);
        System.out.flush();
        while (true) {
          try {
            Thread.sleep(60_000);
          } catch (InterruptedException e) {
            // keep pausing: only kill -9 ends this
          }
        }
      }
      case "during" -> {
        long delayNanos = ThreadLocalRandom.current().nextLong(20_000, 800_000);
        Thread t = new Thread(() -> {
          long end = System.nanoTime() + delayNanos;
          while (System.nanoTime() < end) {
            Thread.onSpinWait();
          }
          Runtime.getRuntime().halt(137);
        }, "crash-during-" + point);
        t.setDaemon(true);
        t.start();
      }
      default -> throw new IllegalStateException("unknown crash mode " + MODE);
    }
  }
}
