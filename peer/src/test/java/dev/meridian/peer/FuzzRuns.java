package dev.meridian.peer;

import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts the inputs a fuzz target ran in this JVM and, when fuzzing under the {@code fuzz} Maven
 * profile, fails the run if there were fewer than {@code meridian.fuzz.minRuns}. Jazzer's own
 * "Done N runs" line says the same; this check is what makes the build fail on a short run.
 */
final class FuzzRuns {
  private final String target;
  private final AtomicLong runs = new AtomicLong();
  private final long startedAt = System.nanoTime();

  FuzzRuns(String target) {
    this.target = target;
  }

  /** One input run. */
  void count() {
    runs.incrementAndGet();
  }

  /**
   * Prints the count and rate; with JAZZER_FUZZ set and {@code meridian.fuzz.minRuns} given,
   * throws if fewer inputs ran.
   */
  void check() {
    long n = runs.get();
    double seconds = Math.max(1e-9, (System.nanoTime() - startedAt) / 1e9);
    String fuzzing = System.getenv("JAZZER_FUZZ");
    String min = System.getProperty("meridian.fuzz.minRuns", "");
    System.err.printf(Locale.ROOT, "fuzz target %s: %,d inputs in %.0f s (%,.0f inputs/s)%n",
        target, n, seconds, n / seconds);
    if (fuzzing != null && !fuzzing.isEmpty() && !min.isEmpty() && n < Long.parseLong(min)) {
      throw new AssertionError(String.format(Locale.ROOT,
          "fuzz target %s ran %,d inputs, fewer than the %,d required (raise "
              + "-Dmeridian.fuzz.seconds or run on a faster machine)", target, n,
          Long.parseLong(min)));
    }
  }
}
