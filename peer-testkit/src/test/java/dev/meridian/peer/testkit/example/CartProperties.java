package dev.meridian.peer.testkit.example;

import dev.meridian.peer.testkit.Schedule;
import dev.meridian.peer.testkit.jqwik.ClusterArbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The correct cart under jqwik: schedules drawn by {@link ClusterArbitraries} (3 sites, up to 60
 * steps of cart operations and faults). The number of tries follows {@code peer-testkit.tries}
 * (100 by default); a failure would print jqwik's seed and the shrunk schedule as a trace.
 */
class CartProperties {
  @Provide
  Arbitrary<Schedule<CartOp>> schedules() {
    return ClusterArbitraries.schedules(3, CartOp.arbitrary(), 60);
  }

  @Property
  void correctCart_keepsItsInvariantAndModel(@ForAll("schedules") Schedule<CartOp> schedule) {
    CartChecks.CORRECT.run(schedule);
  }
}
