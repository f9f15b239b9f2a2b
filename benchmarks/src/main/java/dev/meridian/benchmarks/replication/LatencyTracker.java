package dev.meridian.benchmarks.replication;

import dev.meridian.crdt.clock.Dot;
import java.util.concurrent.ConcurrentHashMap;
import org.HdrHistogram.Histogram;

/**
 * Convergence latency: from a write to the moment every other replica has applied it. Writers
 * register each write's dot before making it; stores report every event they apply.
 */
final class LatencyTracker {
  private static final class Pending {
    final long start;
    int remaining;

    Pending(long start, int remaining) {
      this.start = start;
      this.remaining = remaining;
    }
  }

  private final ConcurrentHashMap<Dot, Pending> pending = new ConcurrentHashMap<>();
  private final int others;
  private final Histogram histogram = new Histogram(60_000_000_000L, 3);
  private volatile boolean recording;

  LatencyTracker(int replicas) {
    this.others = replicas - 1;
  }

  /** Starts or stops tracking new writes. */
  void recording(boolean on) {
    this.recording = on;
  }

  /** A write of {@code dot} is about to be made now. */
  void expect(Dot dot) {
    if (recording) {
      pending.put(dot, new Pending(System.nanoTime(), others));
    }
  }

  /** A replica applied {@code dot}. */
  void applied(Dot dot) {
    if (pending.isEmpty()) {
      return;
    }
    long now = System.nanoTime();
    pending.computeIfPresent(dot, (d, p) -> {
      if (--p.remaining > 0) {
        return p;
      }
      synchronized (histogram) {
        histogram.recordValue(Math.max(0, now - p.start));
      }
      return null;
    });
  }

  /** Writes still not visible everywhere. */
  int outstanding() {
    return pending.size();
  }

  /** A copy of the latencies recorded, then clears them. */
  Histogram takeHistogram() {
    synchronized (histogram) {
      Histogram copy = histogram.copy();
      histogram.reset();
      pending.clear();
      return copy;
    }
  }
}
