package dev.meridian.crdt.clock;

import static dev.meridian.crdt.Preconditions.requireArgument;

import dev.meridian.crdt.ReplicaId;
import java.util.Comparator;
import java.util.Objects;

/**
 * One event: the {@code counter}-th dot minted by {@code replica}. Counters start at 1. Each replica
 * has one counter for all its documents, so a dot names exactly one write anywhere.
 */
public record Dot(ReplicaId replica, long counter) implements Comparable<Dot> {
  private static final Comparator<Dot> ORDER =
      Comparator.comparing(Dot::replica).thenComparingLong(Dot::counter);

  /**
   * @throws IllegalArgumentException if {@code counter < 1}
   */
  public Dot {
    Objects.requireNonNull(replica, "replica");
    // Tested first: calling requireArgument would box the counter and allocate its varargs array
    // on every dot, and dots are made on every write, join and decode.
    if (counter < 1) {
      requireArgument(false, "dot counter must be at least 1, was %s", counter);
    }
  }

  @Override
  public int compareTo(Dot other) {
    return ORDER.compare(this, other);
  }

  @Override
  public String toString() {
    return replica + ":" + counter;
  }
}
