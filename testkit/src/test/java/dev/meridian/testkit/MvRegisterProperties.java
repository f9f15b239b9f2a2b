package dev.meridian.testkit;

import dev.meridian.crdt.register.MvRegister;
import dev.meridian.testkit.jqwik.CodecProperties;
import dev.meridian.testkit.jqwik.CrdtProperties;
import dev.meridian.testkit.specs.CoreSpecs;

/**
 * Every law, the codec round trip and the convergence simulation (over the codec) for {@link MvRegister},
 * with the ops and codec of {@link CoreSpecs#mvRegister()}.
 */
class MvRegisterProperties implements CrdtProperties<MvRegister>, CodecProperties<MvRegister> {
  private static final CrdtSpec<MvRegister> SPEC = CoreSpecs.mvRegister();

  @Override
  public CrdtSpec<MvRegister> spec() {
    return SPEC;
  }
}
