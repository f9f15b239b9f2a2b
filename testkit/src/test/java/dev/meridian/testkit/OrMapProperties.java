package dev.meridian.testkit;

import dev.meridian.crdt.map.OrMap;
import dev.meridian.testkit.jqwik.CrdtProperties;
import dev.meridian.testkit.specs.CoreSpecs;

/** Every law and the convergence simulation for {@link OrMap}, with ops from {@link CoreSpecs#orMap()}. */
class OrMapProperties implements CrdtProperties<OrMap> {
  private static final CrdtSpec<OrMap> SPEC = CoreSpecs.orMap();

  @Override
  public CrdtSpec<OrMap> spec() {
    return SPEC;
  }
}
