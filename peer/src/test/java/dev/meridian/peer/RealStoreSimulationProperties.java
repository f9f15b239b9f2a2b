package dev.meridian.peer;

import dev.meridian.transport.sim.Simulation;
import java.io.IOException;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * The whole peer's storage under the seeded simulation: replicas on {@link
 * dev.meridian.persistence.MapDbDocStore} behind {@link StoreReplica}, on a network that drops,
 * duplicates, reorders and delays frames, with partitions and power cuts; every replica ends equal
 * to the join of the surviving writes, and every committed write survives. The number of
 * schedules is jqwik's default tries, set by the build from {@code peer.schedules}: 200, and 5,000
 * with {@code -Pthorough}. A failure names its seed and the line that replays it ({@code
 * RealStoreSimulationTest.run(seed)}).
 */
class RealStoreSimulationProperties {
  @Property
  void replicasOnRealStoresConvergeToTheJoinOfSurvivingWrites(@ForAll long seed)
      throws IOException {
    RealStoreSimulationTest.run(seed);
  }
}
