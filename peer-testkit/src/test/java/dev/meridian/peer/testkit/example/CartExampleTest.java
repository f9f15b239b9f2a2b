package dev.meridian.peer.testkit.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.meridian.peer.testkit.ClusterCheck;
import dev.meridian.peer.testkit.Schedule;
import dev.meridian.peer.testkit.ScheduleFailure;
import dev.meridian.peer.testkit.Step;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worked example: the naive cart breaks its invariant under a partition (the harness finds a
 * seed and shrinks its schedule), the correct cart keeps it over 1,000 seeded schedules (the
 * number follows {@code peer-testkit.schedules}), and a seed replays the same run every time.
 */
class CartExampleTest {
  private static final Logger LOG = LoggerFactory.getLogger(CartExampleTest.class);
  private static final int SCHEDULES = Integer.getInteger("peer-testkit.schedules", 1000);

  /**
   * The first seed from 1 whose shrunk schedule breaks the naive cart's invariant because of a
   * partition: it needs one (without its partitions it passes). Other seeds break it through a
   * slow network or a crash between two removes, or show a negative line only for a moment (a
   * counter delta that overtook an earlier one of the same site; see the README's section 7).
   */
  @SuppressWarnings("unchecked")
  private static ScheduleFailure firstNaiveFailure() {
    for (long seed = 1; seed <= 200; seed++) {
      try {
        CartChecks.NAIVE.run(seed);
      } catch (ScheduleFailure f) {
        Schedule<CartOp> shrunk = (Schedule<CartOp>) f.schedule();
        if (f.check().equals("no line shows a negative quantity") && f.step() == shrunk.steps().size()
            && passesWithoutPartitions(shrunk)) {
          return f;
        }
        LOG.warn("seed {} breaks the naive cart otherwise: {}", seed,
            String.join(" | ", f.getMessage().lines().limit(3).toList()));
      }
    }
    return fail("no schedule of seeds 1 to 200 broke the naive cart under a partition");
  }

  private static boolean passesWithoutPartitions(Schedule<CartOp> s) {
    List<Step<CartOp>> calm = new ArrayList<>(s.steps());
    if (!calm.removeIf(Step.Partition.class::isInstance)) {
      return false;
    }
    try {
      CartChecks.NAIVE.run(new Schedule<>(s.seed(), s.sites(), calm));
      return true;
    } catch (ScheduleFailure f) {
      return false;
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void naiveCart_breaksTheInvariantUnderAPartition_shrunk() {
    ScheduleFailure f = firstNaiveFailure();
    LOG.warn("the naive cart, as the harness reports it:\n{}", f.getMessage());
    assertEquals("no line shows a negative quantity", f.check(), f.getMessage());
    assertTrue(f.getMessage().contains("shrunk from "), f.getMessage());
    assertTrue(f.getMessage().contains("replay: CartChecks.NAIVE.run("), f.getMessage());
    Schedule<CartOp> shrunk = (Schedule<CartOp>) f.schedule();
    assertTrue(shrunk.steps().size() <= 8, "shrunk to a few steps:\n" + shrunk.trace(f.step()));
    assertTrue(passesWithoutPartitions(shrunk), "the partition is what breaks the cart");
    assertEquals(shrunk.steps().size(), f.step(), "a negative line once converged, at every site");
    // And the correct cart keeps its invariant on the very schedule that broke the naive one.
    CartChecks.CORRECT.run(shrunk);
  }

  @Test
  void naiveCart_replayOfTheShrunkSchedule_failsTheSameWay() {
    ScheduleFailure f = firstNaiveFailure();
    String line = f.getMessage().lines().filter(l -> l.contains("replay: ")).findFirst()
        .orElseThrow();
    String args = line.substring(line.indexOf("run(") + 4, line.lastIndexOf(')'));
    long seed = Long.parseLong(args.substring(0, args.indexOf('L')));
    String kept = args.substring(args.indexOf('"') + 1, args.lastIndexOf('"'));
    ScheduleFailure again = assertThrows(ScheduleFailure.class,
        () -> CartChecks.NAIVE.run(seed, kept));
    assertEquals(f.check(), again.check());
    assertEquals(f.schedule(), again.schedule());
  }

  @Test
  void sameSeed_replaysTheSameScheduleAndFailure_threeTimesInARow() {
    long seed = firstNaiveFailureSeed();
    List<String> messages = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      ScheduleFailure f = assertThrows(ScheduleFailure.class, () -> CartChecks.NAIVE.run(seed));
      messages.add(f.getMessage());
    }
    assertEquals(messages.get(0), messages.get(1));
    assertEquals(messages.get(1), messages.get(2));
    List<ClusterCheck.Result> passes = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      passes.add(CartChecks.CORRECT.run(seed));
    }
    assertEquals(passes.get(0), passes.get(1));
    assertEquals(passes.get(1), passes.get(2));
    assertEquals(CartChecks.CORRECT.schedule(seed), CartChecks.CORRECT.schedule(seed));
  }

  private static long firstNaiveFailureSeed() {
    for (long seed = 1; seed <= 200; seed++) {
      try {
        CartChecks.NAIVE.run(seed, rangesOfAll(seed));
      } catch (ScheduleFailure f) {
        return seed;
      }
    }
    return fail("no schedule of seeds 1 to 200 broke the naive cart");
  }

  private static String rangesOfAll(long seed) {
    return "0-" + (CartChecks.NAIVE.schedule(seed).steps().size() - 1);
  }

  @Test
  void correctCart_keepsTheInvariantAndTheModel_overManySchedules() {
    long start = System.nanoTime();
    List<ClusterCheck.Result> results = CartChecks.CORRECT.runSeeds(1, SCHEDULES);
    double seconds = (System.nanoTime() - start) / 1e9;
    int applied = results.stream().mapToInt(ClusterCheck.Result::applied).sum();
    assertEquals(SCHEDULES, results.size());
    assertTrue(applied > SCHEDULES * 40, "most operations ran: " + applied);
    LOG.warn("correct cart: {} schedules in {} s ({} per second)", SCHEDULES,
        String.format("%.1f", seconds), String.format("%.1f", SCHEDULES / seconds));
  }
}
