package dev.meridian.testkit.example;

import dev.meridian.crdt.Replica;
import dev.meridian.testkit.CrdtSpec;
import dev.meridian.testkit.Op;
import dev.meridian.testkit.jqwik.CrdtProperties;
import net.jqwik.api.Example;

/**
 * The testkit's worked example: testing a user-defined type. Implementing {@link CrdtProperties}
 * with a spec runs every lattice law, the delta laws and the convergence simulation as jqwik
 * properties of this class; the {@code @Example} below pins the type's conflict rule.
 */
class DisableWinsFlagExample implements CrdtProperties<DisableWinsFlag> {
  static final Op<DisableWinsFlag> ENABLE = Op.of("enable", (flag, replica) -> flag.enable(replica));
  static final Op<DisableWinsFlag> DISABLE = Op.of("disable", (flag, replica) -> flag.disable(replica));

  static final CrdtSpec<DisableWinsFlag> SPEC =
      CrdtSpec.builder("DisableWinsFlag", DisableWinsFlag::new)
          .ops(random -> random.nextBoolean() ? ENABLE : DISABLE)
          .convergedCheck((flag, applied) -> {
            // The last write applied anywhere saw every other write, so it survives.
            Op<DisableWinsFlag> last = applied.isEmpty() ? null : applied.get(applied.size() - 1);
            if (last == DISABLE && flag.value()) {
              throw new AssertionError("the last write was a disable, yet the flag is on");
            }
            if (last == ENABLE && !applied.contains(DISABLE) && !flag.value()) {
              throw new AssertionError("only enables were written, yet the flag is off");
            }
          })
          .build();

  @Override
  public CrdtSpec<DisableWinsFlag> spec() {
    return SPEC;
  }

  @Example
  void disable_winsOverAConcurrentEnable() {
    Replica alice = Replica.random();
    Replica bob = Replica.random();
    DisableWinsFlag a = new DisableWinsFlag();
    DisableWinsFlag b = new DisableWinsFlag();
    b.join(a.enable(alice));
    DisableWinsFlag enable = a.enable(alice); // concurrent with bob's disable below
    DisableWinsFlag disable = b.disable(bob);
    a.join(disable);
    b.join(enable);
    if (a.value() || b.value() || !a.equals(b)) {
      throw new AssertionError("a concurrent disable must win: " + a + " / " + b);
    }
    a.enable(alice); // an enable that has seen the disable turns the flag on again
    if (!a.value()) {
      throw new AssertionError("a later enable must turn the flag on: " + a);
    }
  }
}
