package dev.meridian.testkit;

import dev.meridian.crdt.sequence.OrList;
import dev.meridian.testkit.jqwik.CodecProperties;
import dev.meridian.testkit.jqwik.CrdtProperties;
import dev.meridian.testkit.specs.CoreSpecs;

/**
 * Every law, the codec round trip and the convergence simulation (over the codec) for {@link OrList}, with the ops of {@link
 * CoreSpecs#orList()}.
 */
class OrListProperties implements CrdtProperties<OrList>, CodecProperties<OrList> {
  private static final CrdtSpec<OrList> SPEC = CoreSpecs.orList();

  @Override
  public CrdtSpec<OrList> spec() {
    return SPEC;
  }
}
