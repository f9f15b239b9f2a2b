package dev.meridian.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Plans print as text that parses back, so a failure's plan can be pasted into a replay. */
class PlansTest {
  @Test
  void historyPlan_parsesWhatItPrints() {
    HistoryPlan plan = new HistoryPlan(3, 17, Long.MIN_VALUE);
    assertEquals(plan, HistoryPlan.parse(plan.toString()));
  }

  @Test
  void simulationPlan_parsesWhatItPrints() {
    SimulationPlan plan = new SimulationPlan(5, 2, 40, 10, 20, 30, 8, -42);
    assertEquals(plan, SimulationPlan.parse(plan.toString()));
  }

  @Test
  void parse_badTextFailsWithTheText() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> HistoryPlan.parse("replicas=3 steps=x seed=1"));
    assertTrue(e.getMessage().contains("steps"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> HistoryPlan.parse("replicas=3 seed=1"));
    assertThrows(IllegalArgumentException.class, () -> SimulationPlan.parse("replicas=1 objects=1"
        + " ops=1 drop=0 duplicate=0 delay=0 maxDelay=0 seed=0"));
  }

  @Test
  void runAll_checksAnyTypeWithoutATestEngine() {
    CrdtChecks.runAll(dev.meridian.testkit.specs.CoreSpecs.awSet(), 42, 30);
    AssertionError e = assertThrows(AssertionError.class,
        () -> CrdtChecks.runAll(BrokenTypes.sum(), 42, 30));
    assertTrue(e.getMessage().contains("replay with"), e.getMessage());
  }
}
