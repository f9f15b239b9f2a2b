package dev.meridian.testkit;

import dev.meridian.crdt.flag.EwFlag;
import dev.meridian.testkit.jqwik.CrdtProperties;
import dev.meridian.testkit.specs.CoreSpecs;

/** Every law and the convergence simulation for {@link EwFlag}, with ops from {@link CoreSpecs#ewFlag()}. */
class EwFlagProperties implements CrdtProperties<EwFlag> {
  private static final CrdtSpec<EwFlag> SPEC = CoreSpecs.ewFlag();

  @Override
  public CrdtSpec<EwFlag> spec() {
    return SPEC;
  }
}
