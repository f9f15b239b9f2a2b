package dev.meridian.testkit;

import dev.meridian.crdt.counter.Counter;
import dev.meridian.testkit.jqwik.CodecProperties;
import dev.meridian.testkit.jqwik.CrdtProperties;
import dev.meridian.testkit.specs.CoreSpecs;

/**
 * Every law, the codec round trip and the convergence simulation (over the codec) for {@link Counter},
 * with the ops and codec of {@link CoreSpecs#counter()}.
 */
class CounterProperties implements CrdtProperties<Counter>, CodecProperties<Counter> {
  private static final CrdtSpec<Counter> SPEC = CoreSpecs.counter();

  @Override
  public CrdtSpec<Counter> spec() {
    return SPEC;
  }
}
