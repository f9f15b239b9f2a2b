package dev.meridian.benchmarks;

import dev.meridian.crdt.doc.Document;
import java.util.SplittableRandom;

/**
 * The documents the benchmarks run on, built the same way everywhere so figures compare.
 *
 * <p>A document "with n keys" holds, for each {@code i} in {@code [0, n)}, a register at {@code
 * k<i>.name} (a nested map {@code k<i>} with one register) and a counter at {@code c<i>}: n register
 * keys and n counter keys, 2n top-level names.
 */
final class Fixtures {
  /** Ring size of the precomputed random path sequences (a power of two). */
  static final int RING = 1 << 12;

  private Fixtures() {}

  /** Path of the register of key {@code i}. */
  static String registerPath(int i) {
    return "k" + i + ".name";
  }

  /** Path of the counter of key {@code i}. */
  static String counterPath(int i) {
    return "c" + i;
  }

  /** Writes keys {@code [from, to)} into {@code doc} (which must be bound); returns {@code doc}. */
  static Document populate(Document doc, int from, int to) {
    for (int i = from; i < to; i++) {
      doc.set(registerPath(i), "name-" + i);
      doc.increment(counterPath(i), 1);
    }
    return doc;
  }

  /**
   * {@link #RING} key indexes drawn uniformly from {@code [0, keys)} with a fixed seed, so every run
   * and every benchmark in a class visits the same sequence.
   */
  static int[] randomIndexes(int keys, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    int[] out = new int[RING];
    for (int i = 0; i < RING; i++) {
      out[i] = random.nextInt(keys);
    }
    return out;
  }
}
