package dev.meridian.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Runs each operation of {@link TraceBenchmark} once and checks what it did. */
class TraceBenchmarkTest {
  private static final TraceBenchmark BENCHMARK = new TraceBenchmark();

  static {
    BENCHMARK.setUp();
  }

  @Test
  void applyText_givesTheTracesEndContent() {
    assertEquals(BENCHMARK.trace.endContent(), BENCHMARK.applyText().value());
  }

  @Test
  void applyDocument_givesTheTracesEndContentAtBody() {
    assertEquals(BENCHMARK.trace.endContent(), BENCHMARK.applyDocument().get("body"));
  }

  @Test
  void plainStringBuilder_givesTheTracesEndContent() {
    assertEquals(BENCHMARK.trace.endContent(), BENCHMARK.plainStringBuilder());
  }
}
