package dev.meridian.testkit;

import dev.meridian.crdt.set.AwSet;
import dev.meridian.testkit.jqwik.CrdtProperties;
import dev.meridian.testkit.specs.CoreSpecs;

/** Every law and the convergence simulation for {@link AwSet}, with ops from {@link CoreSpecs#awSet()}. */
class AwSetProperties implements CrdtProperties<AwSet> {
  private static final CrdtSpec<AwSet> SPEC = CoreSpecs.awSet();

  @Override
  public CrdtSpec<AwSet> spec() {
    return SPEC;
  }
}
