package dev.meridian.testkit;

import dev.meridian.crdt.set.AwSet;
import dev.meridian.testkit.jqwik.CodecProperties;
import dev.meridian.testkit.jqwik.CrdtProperties;
import dev.meridian.testkit.specs.CoreSpecs;

/**
 * Every law, the codec round trip and the convergence simulation (over the codec) for {@link AwSet},
 * with the ops and codec of {@link CoreSpecs#awSet()}.
 */
class AwSetProperties implements CrdtProperties<AwSet>, CodecProperties<AwSet> {
  private static final CrdtSpec<AwSet> SPEC = CoreSpecs.awSet();

  @Override
  public CrdtSpec<AwSet> spec() {
    return SPEC;
  }
}
