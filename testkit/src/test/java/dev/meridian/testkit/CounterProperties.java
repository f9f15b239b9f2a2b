package dev.meridian.testkit;

import dev.meridian.crdt.counter.Counter;
import dev.meridian.testkit.jqwik.CrdtProperties;
import dev.meridian.testkit.specs.CoreSpecs;

/** Every law and the convergence simulation for {@link Counter}, with ops from {@link CoreSpecs#counter()}. */
class CounterProperties implements CrdtProperties<Counter> {
  private static final CrdtSpec<Counter> SPEC = CoreSpecs.counter();

  @Override
  public CrdtSpec<Counter> spec() {
    return SPEC;
  }
}
