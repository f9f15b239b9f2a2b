package dev.meridian.crdt;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.common.collect.Collections2;
import dev.meridian.crdt.clock.HybridClock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Test helpers: replicas with controlled clocks, and joins of deltas in every delivery order.
 */
public final class Sites {
  private Sites() {}

  /** A wall clock the test moves by hand. */
  public static final class FakeClock implements LongSupplier {
    private long millis;

    public FakeClock(long millis) {
      this.millis = millis;
    }

    public void set(long millis) {
      this.millis = millis;
    }

    @Override
    public long getAsLong() {
      return millis;
    }
  }

  /** A fresh replica with id {@code id} whose wall clock is stuck at {@code millis}. */
  public static Replica replica(long id, long millis) {
    return Replica.resume(ReplicaId.of(id), 0, new HybridClock(new FakeClock(millis)));
  }

  /** A fresh replica with id {@code id} reading {@code clock}. */
  public static Replica replica(long id, FakeClock clock) {
    return Replica.resume(ReplicaId.of(id), 0, new HybridClock(clock));
  }

  /** A fresh replica with id {@code id} and a fixed wall clock. */
  public static Replica replica(long id) {
    return replica(id, 1_000);
  }

  /** {@code base} joined with {@code others}, left to right, on a copy. */
  @SafeVarargs
  public static <T extends Crdt<T>> T joined(T base, T... others) {
    T out = base.copy();
    for (T o : others) {
      out.join(o);
    }
    return out;
  }

  /**
   * Joins {@code deltas} into copies of {@code base} in every order, asserts all results are equal
   * and returns one.
   */
  public static <T extends Crdt<T>> T joinInEveryOrder(T base, List<T> deltas) {
    List<T> results = new ArrayList<>();
    for (List<T> order : Collections2.permutations(deltas)) {
      T s = base.copy();
      for (T d : order) {
        s.join(d);
      }
      results.add(s);
    }
    for (T r : results) {
      assertEquals(results.get(0), r, "a delivery order gave a different state");
    }
    return results.get(0);
  }

  /** Asserts {@code remote ⊔ local.deltaSince(remote.context()) == remote ⊔ local}. */
  public static <T extends DeltaCrdt<T>> void assertDeltaSinceLaw(T local, T remote) {
    T viaDelta = joined(remote, local.deltaSince(remote.context()));
    T viaState = joined(remote, local);
    assertEquals(viaState, viaDelta, "remote ⊔ local.deltaSince(remote.context()) != remote ⊔ local");
  }
}
