package dev.meridian.testkit;

import dev.meridian.crdt.sequence.OrList;
import dev.meridian.testkit.jqwik.CrdtProperties;
import dev.meridian.testkit.specs.CoreSpecs;

/**
 * Every law and the convergence simulation for {@link OrList}, with the ops of {@link
 * CoreSpecs#orList()}.
 */
class OrListProperties implements CrdtProperties<OrList> {
  private static final CrdtSpec<OrList> SPEC = CoreSpecs.orList();

  @Override
  public CrdtSpec<OrList> spec() {
    return SPEC;
  }
}
