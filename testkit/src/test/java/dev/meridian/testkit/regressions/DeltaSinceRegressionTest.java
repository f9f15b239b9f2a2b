package dev.meridian.testkit.regressions;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.meridian.crdt.Replica;
import dev.meridian.crdt.counter.Counter;
import dev.meridian.crdt.flag.EwFlag;
import dev.meridian.crdt.register.MvRegister;
import dev.meridian.crdt.set.AwSet;
import org.junit.jupiter.api.Test;

/**
 * Counterexamples to {@code remote ⊔ local.deltaSince(remote.context()) == remote ⊔ local}, found by
 * the {@code deltaSince_joinedIntoRemoteEqualsFullJoin} property of every type (and, through
 * anti-entropy, by {@code replicas_convergeUnderUnreliableDelivery}). {@code deltaSince} sent only
 * the dots outside the remote context, so an entry the remote holds and the local state has removed
 * or overwritten (its dot seen by both) was never removed at the remote: the remote learnt the
 * removal's own dot but not what it removed, and no later sync could repair it.
 */
class DeltaSinceRegressionTest {
  private static <T extends dev.meridian.crdt.DeltaCrdt<T>> void assertDeltaSinceLaw(T remote, T local) {
    T viaDelta = remote.copy();
    viaDelta.join(local.deltaSince(remote.context()));
    T full = remote.copy();
    full.join(local);
    assertEquals(full, viaDelta);
  }

  /** Found as {@code law=DELTA_SINCE replicas=3 steps=4 seed=-14} (EwFlagProperties). */
  @Test
  void deltaSince_joinedIntoRemoteEqualsFullJoin_disableReachesARemoteThatSawTheEnable() {
    Replica a = Replica.random();
    Replica b = Replica.random();
    EwFlag remote = new EwFlag();
    remote.enable(a);
    EwFlag local = remote.copy();
    local.disable(b);
    assertDeltaSinceLaw(remote, local);
  }

  /** Found as {@code law=DELTA_SINCE replicas=1 steps=3 seed=2} (CounterProperties). */
  @Test
  void deltaSince_joinedIntoRemoteEqualsFullJoin_counterEntryReplacedByALaterIncrement() {
    Replica a = Replica.random();
    Counter local = new Counter();
    local.increment(a, -2);
    Counter remote = local.copy();
    local.increment(a, 5);
    assertDeltaSinceLaw(remote, local);
    Counter synced = remote.copy();
    synced.join(local.deltaSince(remote.context()));
    assertEquals(3, synced.value());
  }

  /** Found as {@code law=DELTA_SINCE replicas=1 steps=3 seed=2} (MvRegisterProperties). */
  @Test
  void deltaSince_joinedIntoRemoteEqualsFullJoin_overwrittenRegisterValue() {
    Replica a = Replica.random();
    MvRegister local = new MvRegister();
    local.set(a, 0);
    MvRegister remote = local.copy();
    local.set(a, 1);
    assertDeltaSinceLaw(remote, local);
  }

  /** Found as {@code law=DELTA_SINCE replicas=1 steps=3 seed=4} (AwSetProperties). */
  @Test
  void deltaSince_joinedIntoRemoteEqualsFullJoin_elementAddedAgain() {
    Replica a = Replica.random();
    AwSet local = new AwSet();
    local.add(a, "b");
    AwSet remote = local.copy();
    local.add(a, "b");
    assertDeltaSinceLaw(remote, local);
  }

  /**
   * Found as {@code law=DELTA_SINCE replicas=3 steps=18 seed=-2} (CounterProperties), after the
   * first fix. Deltas arrive in any order, so a remote may have seen every dot of the local state
   * and still hold an entry the local state removed: here it got the first and the third increment
   * of one replica but not the second, whose dot it learnt from the third delta (which overwrote
   * the second's entry) without the second's own removal of the first entry. An empty delta for "the
   * remote has seen everything" is therefore wrong: the removed dots must still be sent.
   */
  @Test
  void deltaSince_joinedIntoRemoteEqualsFullJoin_remoteThatMissedAnOverwrite() {
    Replica a = Replica.random();
    Counter local = new Counter();
    Counter first = local.increment(a, 1);
    local.increment(a, 10);
    Counter third = local.increment(a, 100);
    Counter remote = new Counter();
    remote.join(first);
    remote.join(third);
    assertEquals(true, local.liveContext().isSubsetOf(remote.liveContext()));
    assertDeltaSinceLaw(remote, local);
    Counter synced = remote.copy();
    synced.join(local.deltaSince(remote.context()));
    assertEquals(111, synced.value());
  }
}
