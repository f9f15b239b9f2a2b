package dev.meridian.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.meridian.crdt.DeltaCrdt;
import dev.meridian.crdt.doc.Document;
import dev.meridian.testkit.specs.CoreSpecs;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The simulator exercises every fault, is deterministic, and catches divergence with a replay. */
class ReplicaSimulatorTest {
  private static final Pattern REPLAY =
      Pattern.compile("ReplicaSimulator\\.replay\\(spec, \"([^\"]+)\"\\)");

  private static <T extends DeltaCrdt<T>> AssertionError firstFailure(CrdtSpec<T> spec) {
    Random random = new Random(3);
    for (int i = 0; i < 500; i++) {
      try {
        ReplicaSimulator.run(spec, CrdtChecks.simulationPlan(random));
      } catch (AssertionError e) {
        return e;
      }
    }
    return fail("the simulation never failed for " + spec.name());
  }

  private static <T extends DeltaCrdt<T>> void assertReplays(CrdtSpec<T> spec, AssertionError e) {
    assertTrue(e.getMessage().contains("seed="), e.getMessage());
    Matcher m = REPLAY.matcher(e.getMessage());
    assertTrue(m.find(), e.getMessage());
    AssertionError again =
        assertThrows(AssertionError.class, () -> ReplicaSimulator.replay(spec, m.group(1)));
    assertEquals(e.getMessage(), again.getMessage());
  }

  @Test
  void run_samePlanGivesTheSameRun() {
    SimulationPlan plan = new SimulationPlan(4, 2, 60, 20, 20, 50, 8, 1234);
    assertEquals(ReplicaSimulator.run(CoreSpecs.document(), plan),
        ReplicaSimulator.run(CoreSpecs.document(), plan));
  }

  @Test
  void run_exercisesEveryFaultAndRepair() {
    Random random = new Random(1);
    int mutations = 0;
    int refused = 0;
    int dropped = 0;
    int duplicated = 0;
    int delayed = 0;
    int pulls = 0;
    int pushes = 0;
    int restarts = 0;
    int repairedRuns = 0;
    int cleanRuns = 0;
    for (int i = 0; i < 200; i++) {
      SimulationResult r = ReplicaSimulator.run(CoreSpecs.document(), CrdtChecks.simulationPlan(random));
      mutations += r.mutations();
      refused += r.refused();
      dropped += r.dropped();
      duplicated += r.duplicated();
      delayed += r.delayed();
      pulls += r.pulls();
      pushes += r.pushes();
      restarts += r.restarts();
      if (r.convergedBeforeRepair()) {
        cleanRuns++;
      } else {
        repairedRuns++;
      }
    }
    assertTrue(dropped > 0 && duplicated > 0 && delayed > 0, "faults");
    assertTrue(pulls > 0 && pushes > 0 && restarts > 0, "syncs and restarts");
    assertTrue(repairedRuns > 0 && cleanRuns > 0, "repair needed in some runs only");
    // Document edits clash on types at random paths; most must still apply.
    assertTrue(refused < mutations, "refused " + refused + " of " + (mutations + refused));
  }

  @Test
  void run_duplicatedDeltasOfANonIdempotentTypeDiverge() {
    AssertionError e = firstFailure(BrokenTypes.sum());
    assertReplays(BrokenTypes.sum(), e);
  }

  @Test
  void run_nonCommutativeJoinDiverges() {
    AssertionError e = firstFailure(BrokenTypes.firstWins());
    assertReplays(BrokenTypes.firstWins(), e);
  }

  @Test
  void run_antiEntropyThatLosesRemovalsDiverges() {
    AssertionError e = firstFailure(BrokenTypes.forgetfulFlag());
    assertTrue(e.getMessage().contains("replicas differ"), e.getMessage());
    assertReplays(BrokenTypes.forgetfulFlag(), e);
  }

  @Test
  void run_withoutTheCodecSharesDeltaObjectsAndStillConverges() {
    Random random = new Random(8);
    CrdtSpec<Document> spec = CoreSpecs.document().withCodec(null);
    for (int i = 0; i < 50; i++) {
      SimulationResult r = ReplicaSimulator.run(spec, CrdtChecks.simulationPlan(random));
      assertFalse(r.repairRounds() < 1);
    }
  }
}
