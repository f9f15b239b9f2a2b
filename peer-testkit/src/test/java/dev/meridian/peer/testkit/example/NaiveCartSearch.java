package dev.meridian.peer.testkit.example;

import dev.meridian.peer.testkit.Schedule;
import dev.meridian.peer.testkit.jqwik.ClusterArbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;

/**
 * The naive cart under jqwik: this property fails, so it is not a test of the build (its name
 * matches no Surefire include); {@link NaiveCartShrinkingTest} runs it and checks that jqwik finds
 * and shrinks a failing schedule. Operations of one site at a time are drawn as for the correct
 * cart's property; the seed is fixed and shrinking is full (not bounded by time), so the run and
 * its shrunk schedule are the same every time, however loaded the machine.
 */
class NaiveCartSearch {
  @Provide
  Arbitrary<Schedule<CartOp>> schedules() {
    return ClusterArbitraries.schedules(3, CartOp.arbitrary(), 40);
  }

  @Property(tries = 200, seed = "42", shrinking = ShrinkingMode.FULL)
  void naiveCart_keepsItsInvariant(@ForAll("schedules") Schedule<CartOp> schedule) {
    CartChecks.NAIVE.run(schedule);
  }
}
