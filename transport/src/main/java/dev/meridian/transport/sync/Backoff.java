package dev.meridian.transport.sync;

import java.util.Random;

/**
 * Reconnect delays: exponential from a base to a cap, with "equal jitter" (a delay d becomes a
 * uniform draw from [d/2, d]) so replicas that lost a peer together do not redial in lockstep, yet
 * never redial at once. The random source is injected, so simulations replay.
 *
 * @see <a href="https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/">Brooker,
 *     Exponential Backoff And Jitter (2015)</a>
 */
final class Backoff {
  private final long baseNanos;
  private final long maxNanos;
  private final Random random;

  Backoff(long baseNanos, long maxNanos, Random random) {
    this.baseNanos = baseNanos;
    this.maxNanos = maxNanos;
    this.random = random;
  }

  /** The delay before attempt number {@code failures + 1}: failures 0 gives about the base. */
  long delay(int failures) {
    int shift = Math.min(failures, 40);
    long d = baseNanos;
    for (int i = 0; i < shift && d < maxNanos; i++) {
      d <<= 1;
    }
    d = Math.min(d, maxNanos);
    long half = d / 2;
    return half + (half == 0 ? 0 : (long) (random.nextDouble() * (d - half)));
  }
}
