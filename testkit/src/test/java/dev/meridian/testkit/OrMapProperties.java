package dev.meridian.testkit;

import dev.meridian.crdt.map.OrMap;
import dev.meridian.testkit.jqwik.CodecProperties;
import dev.meridian.testkit.jqwik.CrdtProperties;
import dev.meridian.testkit.specs.CoreSpecs;

/**
 * Every law, the codec round trip and the convergence simulation (over the codec) for {@link OrMap},
 * with the ops and codec of {@link CoreSpecs#orMap()}.
 */
class OrMapProperties implements CrdtProperties<OrMap>, CodecProperties<OrMap> {
  private static final CrdtSpec<OrMap> SPEC = CoreSpecs.orMap();

  @Override
  public CrdtSpec<OrMap> spec() {
    return SPEC;
  }
}
