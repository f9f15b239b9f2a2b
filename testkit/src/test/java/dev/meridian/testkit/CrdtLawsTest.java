package dev.meridian.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.meridian.crdt.DeltaCrdt;
import dev.meridian.crdt.codec.CodecException;
import dev.meridian.crdt.codec.CrdtCodec;
import dev.meridian.crdt.register.MvRegister;
import dev.meridian.crdt.set.AwSet;
import dev.meridian.testkit.specs.CoreSpecs;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The laws catch each kind of broken type, and every failure replays from its message. */
class CrdtLawsTest {
  private static final Pattern REPLAY = Pattern.compile("CrdtLaws\\.replay\\(spec, \"([^\"]+)\"\\)");

  /** Checks {@code law} on random plans until it fails; the harness must find a failure. */
  private static <T extends DeltaCrdt<T>> AssertionError firstFailure(CrdtSpec<T> spec, Law law) {
    Random random = new Random(7);
    for (int i = 0; i < 500; i++) {
      try {
        CrdtLaws.check(spec, law, CrdtChecks.historyPlan(random));
      } catch (AssertionError e) {
        return e;
      }
    }
    return fail(law + " never failed for " + spec.name());
  }

  /** The failure names the law and the seed, and replaying its plan fails the same way. */
  private static <T extends DeltaCrdt<T>> void assertReplays(CrdtSpec<T> spec, AssertionError e, Law law) {
    assertTrue(e.getMessage().contains("law " + law.name() + " violated"), e.getMessage());
    assertTrue(e.getMessage().contains("seed="), e.getMessage());
    Matcher m = REPLAY.matcher(e.getMessage());
    assertTrue(m.find(), e.getMessage());
    AssertionError again = assertThrows(AssertionError.class, () -> CrdtLaws.replay(spec, m.group(1)));
    assertEquals(e.getMessage(), again.getMessage());
  }

  @Test
  void check_nonIdempotentJoinFailsIdempotence() {
    AssertionError e = firstFailure(BrokenTypes.sum(), Law.JOIN_IDEMPOTENT);
    assertReplays(BrokenTypes.sum(), e, Law.JOIN_IDEMPOTENT);
  }

  @Test
  void check_nonIdempotentJoinFailsDeltasEqualState() {
    AssertionError e = firstFailure(BrokenTypes.sum(), Law.DELTAS_EQUAL_STATE);
    assertReplays(BrokenTypes.sum(), e, Law.DELTAS_EQUAL_STATE);
  }

  @Test
  void check_nonCommutativeJoinFailsCommutativity() {
    AssertionError e = firstFailure(BrokenTypes.firstWins(), Law.JOIN_COMMUTATIVE);
    assertReplays(BrokenTypes.firstWins(), e, Law.JOIN_COMMUTATIVE);
  }

  @Test
  void check_deltaSinceThatLosesRemovalsFailsTheDeltaSinceLaw() {
    AssertionError e = firstFailure(BrokenTypes.forgetfulFlag(), Law.DELTA_SINCE);
    assertReplays(BrokenTypes.forgetfulFlag(), e, Law.DELTA_SINCE);
  }

  @Test
  void check_mutatorReturningPartOfItsChangeFailsTheMutatorLaw() {
    CrdtSpec<MvRegister> spec = CoreSpecs.mvRegister().withOps(random -> Op.of("setTwice",
        (reg, replica) -> {
          MvRegister first = reg.set(replica, 1L);
          reg.set(replica, 2L);
          return first;
        }));
    AssertionError e = firstFailure(spec, Law.MUTATOR_DELTA);
    assertTrue(e.getMessage().contains("before ⊔ delta differs"), e.getMessage());
    assertReplays(spec, e, Law.MUTATOR_DELTA);
  }

  @Test
  void check_refusedOpThatChangesTheStateFails() {
    CrdtSpec<MvRegister> spec = CoreSpecs.mvRegister().withOps(random -> Op.of("sneakySet",
        (reg, replica) -> {
          reg.set(replica, 1L);
          return null;
        }));
    AssertionError e = firstFailure(spec, Law.MUTATOR_DELTA);
    assertTrue(e.getMessage().contains("refused op sneakySet changed the state"), e.getMessage());
  }

  @Test
  void check_lossyCodecFailsTheRoundTrip() {
    CrdtSpec<AwSet> spec = CoreSpecs.awSet().withCodec(
        Codec.of(CrdtCodec::encode, bytes -> new AwSet(), CodecException.class));
    AssertionError e = firstFailure(spec, Law.CODEC_ROUND_TRIP);
    assertReplays(spec, e, Law.CODEC_ROUND_TRIP);
  }

  @Test
  void check_codecThrowingUncheckedOnGarbageFailsTheCorruptInputLaw() {
    CrdtSpec<AwSet> spec = CoreSpecs.awSet().withCodec(Codec.of(CrdtCodec::encode, bytes -> {
      try {
        return CrdtCodec.decodeSet(bytes);
      } catch (CodecException e) {
        throw new IllegalStateException(e);
      }
    }, CodecException.class));
    AssertionError e = firstFailure(spec, Law.CODEC_REJECTS_CORRUPT);
    assertTrue(e.getMessage().contains("IllegalStateException"), e.getMessage());
  }

  @Test
  void check_everyLawHoldsForACoreType() {
    Random random = new Random(11);
    for (int i = 0; i < 50; i++) {
      CrdtLaws.checkAll(CoreSpecs.orMap(), CrdtChecks.historyPlan(random));
    }
  }

  @Test
  void history_samePlanMakesTheSameHistory() {
    HistoryPlan plan = new HistoryPlan(3, 30, 99);
    History<MvRegister> a = History.generate(CoreSpecs.mvRegister(), plan);
    History<MvRegister> b = History.generate(CoreSpecs.mvRegister(), plan);
    assertEquals(a.describe(), b.describe());
    assertEquals(a.replicaStates(), b.replicaStates());
    assertEquals(a.deltas(), b.deltas());
  }

  @Test
  void history_shorterPlanIsAPrefix() {
    History<MvRegister> longer = History.generate(CoreSpecs.mvRegister(), new HistoryPlan(2, 20, 5));
    History<MvRegister> shorter = History.generate(CoreSpecs.mvRegister(), new HistoryPlan(2, 12, 5));
    String prefix = shorter.describe().substring(shorter.describe().indexOf('\n') + 1);
    String all = longer.describe().substring(longer.describe().indexOf('\n') + 1);
    assertTrue(all.startsWith(prefix), all + "\n---\n" + prefix);
  }
}
