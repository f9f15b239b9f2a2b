package dev.meridian.transport.sim;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * Replication converges on a hostile simulated network: jqwik draws a seed per schedule (3 to 7
 * replicas, drops, duplicates, reordering, delays, partitions, crashes with lost unsynced writes,
 * restarts). The number of schedules is jqwik's default tries, set by the build from {@code
 * transport.schedules}, which follows {@code meridian.tries}: 1,000, and 20,000 with {@code
 * -Pthorough}. A failure names its seed; {@code new
 * Simulation(seed).run()} replays it exactly.
 */
class SimulationProperties {
  @Property
  void replicasConvergeToTheJoinOfSurvivingWrites(@ForAll long seed) {
    new Simulation(seed).run();
  }
}
