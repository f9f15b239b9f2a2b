package dev.meridian.testkit.jqwik;

import dev.meridian.crdt.DeltaCrdt;
import dev.meridian.testkit.CrdtChecks;
import dev.meridian.testkit.CrdtSpec;
import dev.meridian.testkit.HistoryPlan;
import dev.meridian.testkit.Op;
import dev.meridian.testkit.SimulationPlan;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/**
 * jqwik arbitraries for the testkit: replica counts, seeds, history and simulation plans, and ops
 * and op lists of a spec. Plans shrink towards fewer replicas, fewer steps and fewer faults; since a
 * history is made step by step from its seed, a shorter plan is a prefix of the same history.
 */
public final class CrdtArbitraries {
  private CrdtArbitraries() {}

  /** Seeds for the harness's own random choices (no edge cases: no seed is special). */
  public static Arbitrary<Long> seeds() {
    return Arbitraries.longs().withoutEdgeCases();
  }

  /** Replica counts for simulations: 2 to 5. */
  public static Arbitrary<Integer> replicaCounts() {
    return Arbitraries.integers().between(2, CrdtChecks.SIMULATION_MAX_REPLICAS);
  }

  /** History plans with the default sizes (1 to 4 replicas, up to 40 steps). */
  public static Arbitrary<HistoryPlan> histories() {
    return histories(CrdtChecks.HISTORY_MAX_REPLICAS, CrdtChecks.HISTORY_MAX_STEPS);
  }

  /** History plans with 1 to {@code maxReplicas} replicas and up to {@code maxSteps} steps. */
  public static Arbitrary<HistoryPlan> histories(int maxReplicas, int maxSteps) {
    return Combinators.combine(
            Arbitraries.integers().between(1, maxReplicas),
            Arbitraries.integers().between(0, maxSteps),
            seeds())
        .as(HistoryPlan::new);
  }

  /** Simulation plans with the default sizes (2 to 5 replicas, 1 to 3 objects, up to 80 ops, faults up to 30%). */
  public static Arbitrary<SimulationPlan> simulations() {
    return simulations(CrdtChecks.SIMULATION_MAX_REPLICAS, CrdtChecks.SIMULATION_MAX_OPS);
  }

  /** Simulation plans with 2 to {@code maxReplicas} replicas and up to {@code maxOps} ops. */
  public static Arbitrary<SimulationPlan> simulations(int maxReplicas, int maxOps) {
    return Combinators.combine(
            Arbitraries.integers().between(2, maxReplicas),
            Arbitraries.integers().between(1, CrdtChecks.SIMULATION_MAX_OBJECTS),
            Arbitraries.integers().between(0, maxOps),
            faultPercents(CrdtChecks.SIMULATION_MAX_FAULT_PERCENT),
            faultPercents(CrdtChecks.SIMULATION_MAX_FAULT_PERCENT),
            faultPercents(CrdtChecks.SIMULATION_MAX_DELAY_PERCENT),
            Arbitraries.integers().between(0, CrdtChecks.SIMULATION_MAX_DELAY),
            seeds())
        .as(SimulationPlan::new);
  }

  private static Arbitrary<Integer> faultPercents(int max) {
    return Arbitraries.integers().between(0, max);
  }

  /** Single ops of {@code spec}, drawn by its generator from jqwik's random source. */
  public static <T extends DeltaCrdt<T>> Arbitrary<Op<T>> ops(CrdtSpec<T> spec) {
    return Arbitraries.randomValue(random -> spec.ops().next(random));
  }

  /** Lists of up to {@code maxSize} ops of {@code spec}; they shrink by dropping ops. */
  public static <T extends DeltaCrdt<T>> Arbitrary<List<Op<T>>> opLists(CrdtSpec<T> spec, int maxSize) {
    return ops(spec).list().ofMaxSize(maxSize);
  }
}
