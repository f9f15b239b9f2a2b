package dev.meridian.testkit.jqwik;

import dev.meridian.crdt.DeltaCrdt;
import dev.meridian.testkit.CrdtLaws;
import dev.meridian.testkit.CrdtSpec;
import dev.meridian.testkit.HistoryPlan;
import dev.meridian.testkit.Law;
import dev.meridian.testkit.ReplicaSimulator;
import dev.meridian.testkit.SimulationPlan;
import dev.meridian.testkit.SimulationResult;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * The testkit's properties for one CRDT type, ready to run under jqwik: implement this interface in
 * a test class, return the type's {@link CrdtSpec} from {@link #spec()}, and every lattice law, the
 * delta laws and the convergence simulation run as jqwik properties of that class.
 *
 * <pre>{@code
 * class CounterProperties implements CrdtProperties<Counter> {
 *   public CrdtSpec<Counter> spec() {
 *     return CoreSpecs.counter();
 *   }
 * }
 * }</pre>
 *
 * <p>The number of tries comes from jqwik's configuration ({@code jqwik.tries.default}; the build
 * sets it). Override {@link #histories()} or {@link #simulations()} to change plan sizes. A failing
 * try prints jqwik's seed and, in the assertion message, the testkit's plan with its own seed and
 * the line that replays it without jqwik ({@code CrdtLaws.replay} or {@code
 * ReplicaSimulator.replay}).
 *
 * @param <T> the CRDT type
 */
public interface CrdtProperties<T extends DeltaCrdt<T>> {
  /** The spec of the type under test. Called once per try: keep it cheap, or cache it. */
  CrdtSpec<T> spec();

  /** History plans for the law properties. */
  @Provide
  default Arbitrary<HistoryPlan> histories() {
    return CrdtArbitraries.histories();
  }

  /** Simulation plans for the convergence property. */
  @Provide
  default Arbitrary<SimulationPlan> simulations() {
    return CrdtArbitraries.simulations();
  }

  /** {@link Law#JOIN_IDEMPOTENT}. */
  @Property
  default void join_isIdempotent(@ForAll("histories") HistoryPlan plan) {
    CrdtLaws.check(spec(), Law.JOIN_IDEMPOTENT, plan);
  }

  /** {@link Law#JOIN_COMMUTATIVE}. */
  @Property
  default void join_isCommutative(@ForAll("histories") HistoryPlan plan) {
    CrdtLaws.check(spec(), Law.JOIN_COMMUTATIVE, plan);
  }

  /** {@link Law#JOIN_ASSOCIATIVE}. */
  @Property
  default void join_isAssociative(@ForAll("histories") HistoryPlan plan) {
    CrdtLaws.check(spec(), Law.JOIN_ASSOCIATIVE, plan);
  }

  /** {@link Law#JOIN_BOTTOM_IDENTITY}. */
  @Property
  default void join_bottomIsIdentity(@ForAll("histories") HistoryPlan plan) {
    CrdtLaws.check(spec(), Law.JOIN_BOTTOM_IDENTITY, plan);
  }

  /** {@link Law#MUTATOR_DELTA}. */
  @Property
  default void mutators_returnTheirDelta(@ForAll("histories") HistoryPlan plan) {
    CrdtLaws.check(spec(), Law.MUTATOR_DELTA, plan);
  }

  /** {@link Law#DELTAS_EQUAL_STATE}. */
  @Property
  default void deltas_inAnyOrderWithDuplicatesEqualState(@ForAll("histories") HistoryPlan plan) {
    CrdtLaws.check(spec(), Law.DELTAS_EQUAL_STATE, plan);
  }

  /** {@link Law#DELTA_SINCE}. */
  @Property
  default void deltaSince_joinedIntoRemoteEqualsFullJoin(@ForAll("histories") HistoryPlan plan) {
    CrdtLaws.check(spec(), Law.DELTA_SINCE, plan);
  }

  /** {@link ReplicaSimulator}: replicas converge after drops, duplicates, delays and reorders. */
  @Property
  default void replicas_convergeUnderUnreliableDelivery(@ForAll("simulations") SimulationPlan plan) {
    SimulationResult result = ReplicaSimulator.run(spec(), plan);
    Statistics.label("delivery")
        .collect(result.dropped() > 0 ? "some dropped, repaired" : "nothing dropped");
  }
}
