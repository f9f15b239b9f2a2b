package dev.meridian.testkit.specs;

import java.util.List;
import java.util.Random;

/**
 * Random scalars and key names for op generators: mostly from a small pool, so replicas collide on
 * the same values and keys, sometimes edge cases (extreme numbers, negative zero, odd strings).
 */
public final class RandomValues {
  private static final List<Object> POOL = java.util.Arrays.asList(
      null, true, false, 0L, 1L, -1L, 42L, Long.MAX_VALUE, Long.MIN_VALUE, 0.5, -0.0, 0.0,
      1e300, Double.MIN_VALUE, "", "a", "b", "ü", "\u0000", "😀", "line\nbreak", "quote\"s");

  private static final List<String> NAMES = List.of("a", "b", "c", "x.y");

  private RandomValues() {}

  /** A scalar: usually one of a small pool (null, booleans, longs, doubles, strings). */
  public static Object scalar(Random random) {
    int roll = random.nextInt(10);
    if (roll < 8) {
      return POOL.get(random.nextInt(POOL.size()));
    }
    if (roll == 8) {
      return random.nextBoolean() ? (Object) random.nextLong() : (Object) (random.nextDouble() * 1e6);
    }
    return "s" + random.nextInt(1000);
  }

  /** A scalar from a pool of four, for sets, where removes should hit added elements. */
  public static Object element(Random random) {
    switch (random.nextInt(4)) {
      case 0 -> {
        return "a";
      }
      case 1 -> {
        return "b";
      }
      case 2 -> {
        return 1L;
      }
      default -> {
        return 1.0;
      }
    }
  }

  /** A key name: "a", "b", "c" or "x.y" (which a path must quote). */
  public static String name(Random random) {
    return NAMES.get(random.nextInt(NAMES.size()));
  }

  /** A path of one to {@code maxDepth} names, shallow ones more likely. */
  public static List<String> path(Random random, int maxDepth) {
    int depth = 1;
    while (depth < maxDepth && random.nextInt(100) < 45) {
      depth++;
    }
    String[] keys = new String[depth];
    for (int i = 0; i < depth; i++) {
      keys[i] = name(random);
    }
    return List.of(keys);
  }
}
