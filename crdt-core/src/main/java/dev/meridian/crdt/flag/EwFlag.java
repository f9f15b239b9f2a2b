package dev.meridian.crdt.flag;

import dev.meridian.crdt.CausalCrdt;
import dev.meridian.crdt.Replica;
import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.clock.Dot;
import dev.meridian.crdt.store.DotSet;

/**
 * An enable-wins flag: a boolean where a concurrent enable beats a disable.
 *
 * <p>Enabling adds a fresh dot and drops the dots seen; disabling drops the dots seen (and mints a
 * dot that only enters the context, so the change is an event that sync can find). The flag is on
 * while any dot remains, so an enable the disabler had not seen survives it. Merge is the dot-set
 * join.
 *
 * @see <a href="https://arxiv.org/abs/1603.01529">Almeida, Shoker, Baquero: Delta State Replicated
 *     Data Types (JPDC 2018), enable-wins flag</a>
 */
public final class EwFlag extends CausalCrdt<EwFlag, DotSet> {
  /** A disabled flag. */
  public EwFlag() {
    this(new DotSet(), new CausalContext(), false);
  }

  private EwFlag(DotSet store, CausalContext context, boolean keyed) {
    super(store, context, keyed);
  }

  /** A flag from decoded parts (codecs and storage); takes ownership of them. */
  public static EwFlag of(DotSet store, CausalContext context, boolean keyed) {
    return new EwFlag(store, context, keyed);
  }

  @Override
  protected EwFlag create(DotSet store, CausalContext context, boolean keyed) {
    return new EwFlag(store, context, keyed);
  }

  /** Turns the flag on as {@code replica}; returns the delta. */
  public EwFlag enable(Replica replica) {
    Replica.Claim claim = replica.claim(context);
    return applyDelta(claim, enableDelta(store, claim.dot(), claim.context()));
  }

  /** Turns the flag off as {@code replica} (unless concurrently enabled elsewhere); returns the delta. */
  public EwFlag disable(Replica replica) {
    Replica.Claim claim = replica.claim(context);
    return applyDelta(claim, disableDelta(store, claim.context()));
  }

  /** True while enabled. */
  public boolean value() {
    return !store.isEmpty();
  }

  /** Building block: the delta store of enabling {@code current} (may be null) at {@code dot}. */
  public static DotSet enableDelta(DotSet current, Dot dot, CausalContext deltaContext) {
    if (current != null) {
      current.collectDots(deltaContext);
    }
    return DotSet.of(dot);
  }

  /** Building block: the delta store of disabling {@code current} (may be null). */
  public static DotSet disableDelta(DotSet current, CausalContext deltaContext) {
    if (current != null) {
      current.collectDots(deltaContext);
    }
    return new DotSet();
  }
}
