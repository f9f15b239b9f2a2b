package dev.meridian.transport.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Examples of the simulation: it replays, and it converges on a few fixed schedules. */
class SimulationTest {
  @Test
  void run_sameSeed_sameTrace() {
    Simulation.Result a = new Simulation(42).run();
    Simulation.Result b = new Simulation(42).run();
    assertEquals(a, b);
    assertTrue(a.framesSent() > 0, "the schedule sent frames");
  }

  @Test
  void run_fixedSeeds_converge() {
    for (long seed = 1; seed <= 20; seed++) {
      Simulation.Result r = new Simulation(seed).run();
      assertTrue(r.survivors() > 0, "seed " + seed + " kept writes");
    }
  }
}
