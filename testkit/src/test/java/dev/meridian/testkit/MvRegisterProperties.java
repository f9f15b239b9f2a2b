package dev.meridian.testkit;

import dev.meridian.crdt.register.MvRegister;
import dev.meridian.testkit.jqwik.CrdtProperties;
import dev.meridian.testkit.specs.CoreSpecs;

/** Every law and the convergence simulation for {@link MvRegister}, with ops from {@link CoreSpecs#mvRegister()}. */
class MvRegisterProperties implements CrdtProperties<MvRegister> {
  private static final CrdtSpec<MvRegister> SPEC = CoreSpecs.mvRegister();

  @Override
  public CrdtSpec<MvRegister> spec() {
    return SPEC;
  }
}
