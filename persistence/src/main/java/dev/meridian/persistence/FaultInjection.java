package dev.meridian.persistence;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test hook that makes the journal's next fsyncs fail with an {@link IOException}, as a disk
 * that reports a write error does. Off unless a test arms it; costs one volatile read per fsync.
 */
final class FaultInjection {
  private static volatile Path armedFor;
  private static final AtomicInteger FAILURES = new AtomicInteger();

  private FaultInjection() {}

  /** Makes the next {@code count} journal fsyncs of the store in {@code dir} fail. */
  static void failFsyncs(Path dir, int count) {
    FAILURES.set(count);
    armedFor = dir.toAbsolutePath().normalize();
  }

  /** Disarms the hook. */
  static void reset() {
    armedFor = null;
    FAILURES.set(0);
  }

  /** Called by the journal before each fsync of a batch in {@code journalDir}. */
  static void beforeFsync(Path journalDir) throws IOException {
    Path armed = armedFor;
    if (armed != null && journalDir.toAbsolutePath().normalize().startsWith(armed)
        && FAILURES.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      throw new IOException("injected fsync failure (test)");
    }
  }
}
