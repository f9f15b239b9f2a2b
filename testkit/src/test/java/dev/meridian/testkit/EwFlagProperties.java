package dev.meridian.testkit;

import dev.meridian.crdt.flag.EwFlag;
import dev.meridian.testkit.jqwik.CodecProperties;
import dev.meridian.testkit.jqwik.CrdtProperties;
import dev.meridian.testkit.specs.CoreSpecs;

/**
 * Every law, the codec round trip and the convergence simulation (over the codec) for {@link EwFlag},
 * with the ops and codec of {@link CoreSpecs#ewFlag()}.
 */
class EwFlagProperties implements CrdtProperties<EwFlag>, CodecProperties<EwFlag> {
  private static final CrdtSpec<EwFlag> SPEC = CoreSpecs.ewFlag();

  @Override
  public CrdtSpec<EwFlag> spec() {
    return SPEC;
  }
}
