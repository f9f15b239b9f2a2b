package dev.meridian.peer.testkit.jqwik;

import dev.meridian.peer.testkit.Schedule;
import dev.meridian.peer.testkit.Step;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * jqwik arbitraries for cluster schedules: sites, fault steps, operation steps of an application's
 * operation arbitrary, and whole schedules. Schedules shrink as lists do (fewer steps, then each
 * step simpler: an operation by the operation arbitrary's shrinking, a site towards s0, a
 * partition towards no partition, a wait or skew towards zero).
 *
 * <pre>{@code
 * @Provide
 * Arbitrary<Schedule<CartOp>> schedules() {
 *   return ClusterArbitraries.schedules(3, CartOp.arbitrary(), 60);
 * }
 *
 * @Property
 * void cartKeepsItsInvariants(@ForAll("schedules") Schedule<CartOp> schedule) {
 *   CHECK.run(schedule);
 * }
 * }</pre>
 */
public final class ClusterArbitraries {
  private ClusterArbitraries() {}

  /** Site indices of a cluster of {@code sites}. */
  public static Arbitrary<Integer> sites(int sites) {
    return Arbitraries.integers().between(0, sites - 1);
  }

  /** Fault steps: partitions, heals, crashes, restarts, lossy networks, clock skews and waits. */
  public static <O> Arbitrary<Step<O>> faults(int sites) {
    Arbitrary<Step<O>> partition = Arbitraries.integers().between(0, 1).list().ofSize(sites)
        .map(Step.Partition::new);
    Arbitrary<Step<O>> heal = Arbitraries.just(new Step.Heal<>());
    Arbitrary<Step<O>> crash = sites(sites).map(Step.Crash::new);
    Arbitrary<Step<O>> restart = sites(sites).map(Step.Restart::new);
    Arbitrary<Step<O>> network = Combinators.combine(
            Arbitraries.integers().between(0, 30), Arbitraries.integers().between(0, 20),
            Arbitraries.longs().between(0, 2), Arbitraries.longs().between(0, 30))
        .as((drop, dup, min, extra) -> new Step.Network<>(drop / 100.0, dup / 100.0, min,
            min + extra));
    Arbitrary<Step<O>> skew = Combinators.combine(sites(sites),
            Arbitraries.longs().between(-2_000, 2_000))
        .as(Step.Skew::new);
    Arbitrary<Step<O>> wait = Arbitraries.longs().between(0, 200).map(Step.Wait::new);
    return Arbitraries.frequencyOf(
        Tuple.of(2, partition), Tuple.of(1, heal), Tuple.of(1, crash), Tuple.of(1, restart),
        Tuple.of(1, network), Tuple.of(1, skew), Tuple.of(2, wait));
  }

  /** Operation steps: an operation of {@code ops} at a site. */
  public static <O> Arbitrary<Step<O>> operations(int sites, Arbitrary<O> ops) {
    return Combinators.combine(sites(sites), ops).as(Step.Op::new);
  }

  /**
   * Schedules of up to {@code maxSteps} steps for a cluster of {@code sites}: about four
   * operations of {@code ops} to each fault, and a cluster seed.
   */
  public static <O> Arbitrary<Schedule<O>> schedules(int sites, Arbitrary<O> ops, int maxSteps) {
    Arbitrary<Step<O>> step = Arbitraries.frequencyOf(
        Tuple.of(4, operations(sites, ops)), Tuple.of(1, faults(sites)));
    Arbitrary<List<Step<O>>> steps = step.list().ofMaxSize(maxSteps);
    return Combinators.combine(Arbitraries.longs().withoutEdgeCases(), steps)
        .as((seed, list) -> new Schedule<>(seed, sites, list));
  }
}
