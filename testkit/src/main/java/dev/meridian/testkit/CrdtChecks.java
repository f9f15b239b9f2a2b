package dev.meridian.testkit;

import dev.meridian.crdt.DeltaCrdt;
import java.util.Random;

/**
 * Runs every law and the simulator on plans drawn from one seed, without any test engine: the
 * entry point for drivers other than jqwik (a plain JUnit test, a main method, a fuzzer). Also holds
 * the default plan sizes the jqwik glue uses.
 */
public final class CrdtChecks {
  /** Histories: 1 to this many replicas. */
  public static final int HISTORY_MAX_REPLICAS = 4;
  /** Histories: 0 to this many steps. */
  public static final int HISTORY_MAX_STEPS = 40;
  /** Simulations: 2 to this many replicas. */
  public static final int SIMULATION_MAX_REPLICAS = 5;
  /** Simulations: 1 to this many objects per replica. */
  public static final int SIMULATION_MAX_OBJECTS = 3;
  /** Simulations: 0 to this many ticks of ops. */
  public static final int SIMULATION_MAX_OPS = 80;
  /** Simulations: the highest drop and duplicate percentages. */
  public static final int SIMULATION_MAX_FAULT_PERCENT = 30;
  /** Simulations: the highest delay percentage. */
  public static final int SIMULATION_MAX_DELAY_PERCENT = 60;
  /** Simulations: the longest extra delay in ticks. */
  public static final int SIMULATION_MAX_DELAY = 12;

  private CrdtChecks() {}

  /** A history plan with the default sizes, drawn from {@code random}. */
  public static HistoryPlan historyPlan(Random random) {
    return new HistoryPlan(1 + random.nextInt(HISTORY_MAX_REPLICAS),
        random.nextInt(HISTORY_MAX_STEPS + 1), random.nextLong());
  }

  /** A simulation plan with the default sizes, drawn from {@code random}. */
  public static SimulationPlan simulationPlan(Random random) {
    return new SimulationPlan(
        2 + random.nextInt(SIMULATION_MAX_REPLICAS - 1),
        1 + random.nextInt(SIMULATION_MAX_OBJECTS),
        random.nextInt(SIMULATION_MAX_OPS + 1),
        random.nextInt(SIMULATION_MAX_FAULT_PERCENT + 1),
        random.nextInt(SIMULATION_MAX_FAULT_PERCENT + 1),
        random.nextInt(SIMULATION_MAX_DELAY_PERCENT + 1),
        random.nextInt(SIMULATION_MAX_DELAY + 1),
        random.nextLong());
  }

  /**
   * Checks every {@link Law} on {@code tries} history plans and runs {@code tries} simulations, all
   * drawn from {@code seed}. The first failure is thrown; its message holds the plan that replays
   * it.
   *
   * @throws AssertionError on the first law violation or failed simulation
   */
  public static <T extends DeltaCrdt<T>> void runAll(CrdtSpec<T> spec, long seed, int tries) {
    Random random = new Random(seed);
    for (int i = 0; i < tries; i++) {
      CrdtLaws.checkAll(spec, historyPlan(random));
      ReplicaSimulator.run(spec, simulationPlan(random));
    }
  }
}
