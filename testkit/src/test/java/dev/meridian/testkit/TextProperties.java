package dev.meridian.testkit;

import dev.meridian.crdt.sequence.Text;
import dev.meridian.testkit.jqwik.CodecProperties;
import dev.meridian.testkit.jqwik.CrdtProperties;
import dev.meridian.testkit.specs.CoreSpecs;

/**
 * Every law, the codec round trip and the convergence simulation (over the codec) for {@link Text}, with the ops of {@link
 * CoreSpecs#text()}.
 */
class TextProperties implements CrdtProperties<Text>, CodecProperties<Text> {
  private static final CrdtSpec<Text> SPEC = CoreSpecs.text();

  @Override
  public CrdtSpec<Text> spec() {
    return SPEC;
  }
}
