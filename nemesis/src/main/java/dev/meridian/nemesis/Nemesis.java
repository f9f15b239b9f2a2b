package dev.meridian.nemesis;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The faults. Each one starts with {@link Faults#inject} and ends with {@link Faults#heal};
 * the heal of a kill is the restart, of a pause the SIGCONT.
 */
enum Nemesis {
  /** One daemon cut off from all others (clients still reach it). */
  PARTITION_ONE("partition-one", true),
  /** The daemons split into two halves, {0..n/2-1} and the rest. */
  PARTITION_HALVES("partition-halves", true),
  /** Two groups that cannot reach each other and one daemon in the middle that reaches both. */
  PARTITION_BRIDGE("partition-bridge", true),
  /**
   * Non-transitive: with 5 daemons a ring, each reaching only its two neighbours; with 3 or 4, the
   * victim and its successor cannot reach each other while both reach every other daemon.
   */
  PARTITION_RING("partition-ring", true),
  /** kill -9 of one daemon, restarted on the same data directory at the heal. */
  KILL("kill-9", false),
  /** SIGSTOP of one daemon, SIGCONT at the heal. */
  PAUSE("pause", false),
  /**
   * One daemon's wall clock 5 minutes ahead: it is restarted (SIGTERM) under libfaketime, and
   * restarted without it at the heal.
   */
  CLOCK_SKEW("clock-skew", false),
  /** One daemon's data directory (a 512 MiB tmpfs) filled to the last byte, space freed at the heal. */
  DISK_FULL("disk-full", false),
  /** Partitions, kills and pauses in three random turns. */
  MIX("mix", true);

  final String label;
  /** True if it needs network namespaces (partitions). */
  final boolean needsNamespaces;

  Nemesis(String label, boolean needsNamespaces) {
    this.label = label;
    this.needsNamespaces = needsNamespaces;
  }

  /** The reachability of each daemon under this partition (for partition nemeses only). */
  List<Set<Integer>> reach(int n, int victim) {
    List<Set<Integer>> reach = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      reach.add(new HashSet<>());
    }
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        if (connected(n, victim, i, j)) {
          reach.get(i).add(j);
        }
      }
    }
    return reach;
  }

  private boolean connected(int n, int victim, int i, int j) {
    if (i == j) {
      return true;
    }
    return switch (this) {
      case PARTITION_ONE -> i != victim && j != victim;
      case PARTITION_HALVES -> (i < n / 2) == (j < n / 2);
      case PARTITION_BRIDGE -> {
        int mid = n / 2;
        yield i == mid || j == mid || (i < mid) == (j < mid);
      }
      case PARTITION_RING -> n >= 5
          ? Math.floorMod(i - j, n) == 1 || Math.floorMod(j - i, n) == 1
          : !((i == victim && j == (victim + 1) % n) || (j == victim && i == (victim + 1) % n));
      default -> throw new IllegalStateException(label + " is not a partition");
    };
  }

  boolean isPartition() {
    return name().startsWith("PARTITION_");
  }
}
