package dev.meridian.testkit.example;

import dev.meridian.crdt.CausalCrdt;
import dev.meridian.crdt.Replica;
import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.store.DotFun;

/**
 * A disable-wins flag: a boolean that starts off, where a disable concurrent with an enable wins.
 *
 * <p>Each write (enable or disable) replaces every write its replica has seen with one entry, a
 * fresh dot mapped to the value written; concurrent writes are all kept, as in a multi-value
 * register. The flag is on when some write is kept and every kept write is an enable. Merge is the
 * dot-function join that {@link CausalCrdt} provides.
 *
 * <p>This is the testkit's worked example of a user-defined type; see {@link
 * DisableWinsFlagExample} for its test.
 */
public final class DisableWinsFlag extends CausalCrdt<DisableWinsFlag, DotFun<Boolean>> {
  /** A flag that is off. */
  public DisableWinsFlag() {
    this(new DotFun<>(), new CausalContext(), false);
  }

  private DisableWinsFlag(DotFun<Boolean> store, CausalContext context, boolean keyed) {
    super(store, context, keyed);
  }

  @Override
  protected DisableWinsFlag create(DotFun<Boolean> store, CausalContext context, boolean keyed) {
    return new DisableWinsFlag(store, context, keyed);
  }

  /** Turns the flag on as {@code replica}, unless a concurrent disable wins; returns the delta. */
  public DisableWinsFlag enable(Replica replica) {
    return write(replica, true);
  }

  /** Turns the flag off as {@code replica}; returns the delta. */
  public DisableWinsFlag disable(Replica replica) {
    return write(replica, false);
  }

  private DisableWinsFlag write(Replica replica, boolean on) {
    Replica.Claim claim = replica.claim(context); // a fresh dot, and the delta's context
    store.forEach((dot, value) -> claim.context().add(dot)); // overwrites every write seen here
    DotFun<Boolean> delta = new DotFun<>();
    delta.put(claim.dot(), on);
    return applyDelta(claim, delta); // joins the delta here and returns it
  }

  /** True if some write is kept and all kept writes are enables. */
  public boolean value() {
    boolean[] on = {!store.isEmpty()};
    store.forEach((dot, value) -> on[0] &= value);
    return on[0];
  }
}
