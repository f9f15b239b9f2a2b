package dev.meridian.testkit;

import dev.meridian.crdt.Replica;
import dev.meridian.crdt.ReplicaId;
import dev.meridian.crdt.clock.HybridClock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.LongSupplier;

/** Deterministic replicas for simulations: ids and skewed wall clocks drawn from a seed. */
final class SimulatedReplicas {
  /** Simulated wall time starts here (2024-01-01T00:00:00Z), so timestamps look real. */
  static final long EPOCH_MILLIS = 1_704_067_200_000L;

  private SimulatedReplicas() {}

  /**
   * {@code n} replicas with distinct random ids, each with a hybrid clock reading simulated time
   * {@code now} (milliseconds since the start) plus its own skew of up to ±100 ms.
   */
  static List<Replica> create(Random random, int n, LongSupplier now) {
    List<Replica> out = new ArrayList<>(n);
    Set<Long> ids = new HashSet<>();
    for (int i = 0; i < n; i++) {
      long id;
      do {
        id = random.nextLong();
      } while (!ids.add(id));
      long skew = random.nextInt(201) - 100L;
      HybridClock clock = new HybridClock(() -> EPOCH_MILLIS + now.getAsLong() + skew);
      out.add(Replica.resume(ReplicaId.of(id), 0, clock));
    }
    return out;
  }
}
