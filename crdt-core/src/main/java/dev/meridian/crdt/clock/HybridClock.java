package dev.meridian.crdt.clock;

import java.util.function.LongSupplier;

/**
 * A hybrid logical clock (Kulkarni et al., 2014): timestamps that follow physical time when clocks
 * are in sync and never go backwards, so a write that has seen another write always gets a larger
 * timestamp even if the writer's wall clock lags.
 *
 * <p>A timestamp packs milliseconds since the Unix epoch in the high 48 bits and a logical counter
 * in the low 16 bits, so timestamps compare as plain {@code long}s. Thread-safe.
 *
 * @see <a href="https://cse.buffalo.edu/tech-reports/2014-04.pdf">Kulkarni, Demirbas, Madappa,
 *     Avva, Leone: Logical Physical Clocks and Consistent Snapshots in Globally Distributed
 *     Databases (2014)</a>
 */
public final class HybridClock {
  private static final int LOGICAL_BITS = 16;
  private static final long LOGICAL_MASK = (1L << LOGICAL_BITS) - 1;

  private final LongSupplier wallMillis;
  private long last;

  /** A clock reading {@link System#currentTimeMillis()}. */
  public HybridClock() {
    this(System::currentTimeMillis);
  }

  /** A clock reading the given source of milliseconds (tests pass a fake one). */
  public HybridClock(LongSupplier wallMillis) {
    this.wallMillis = wallMillis;
  }

  /** A new timestamp, greater than every timestamp this clock has issued or observed. */
  public synchronized long now() {
    long wall = wallMillis.getAsLong() << LOGICAL_BITS;
    // Saturates rather than overflowing if a forged timestamp near Long.MAX_VALUE was observed.
    last = wall > last ? wall : last == Long.MAX_VALUE ? last : last + 1;
    return last;
  }

  /** How far ahead of the local wall clock an observed timestamp may be and still count. */
  public static final long MAX_DRIFT_MILLIS = 24L * 60 * 60 * 1000;

  /**
   * Records a timestamp seen from elsewhere, so later {@link #now()} values exceed it. A timestamp
   * more than {@link #MAX_DRIFT_MILLIS} ahead of the local wall clock is ignored, so one forged or
   * wildly wrong clock cannot drag this one to the end of time.
   */
  public synchronized void observe(long timestamp) {
    if (timestamp > last && millis(timestamp) <= wallMillis.getAsLong() + MAX_DRIFT_MILLIS) {
      last = timestamp;
    }
  }

  /** The latest timestamp issued or observed (0 if none). */
  public synchronized long last() {
    return last;
  }

  /** The physical milliseconds of a timestamp. */
  public static long millis(long timestamp) {
    return timestamp >>> LOGICAL_BITS;
  }

  /** The logical counter of a timestamp. */
  public static int logical(long timestamp) {
    return (int) (timestamp & LOGICAL_MASK);
  }
}
