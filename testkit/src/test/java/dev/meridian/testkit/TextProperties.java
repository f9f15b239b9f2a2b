package dev.meridian.testkit;

import dev.meridian.crdt.sequence.Text;
import dev.meridian.testkit.jqwik.CrdtProperties;
import dev.meridian.testkit.specs.CoreSpecs;

/**
 * Every law and the convergence simulation for {@link Text}, with the ops of {@link
 * CoreSpecs#text()}.
 */
class TextProperties implements CrdtProperties<Text> {
  private static final CrdtSpec<Text> SPEC = CoreSpecs.text();

  @Override
  public CrdtSpec<Text> spec() {
    return SPEC;
  }
}
