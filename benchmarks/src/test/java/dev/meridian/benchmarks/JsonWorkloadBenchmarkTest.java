package dev.meridian.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.meridian.crdt.codec.CodecException;
import dev.meridian.testdata.JsonWorkload;
import org.junit.jupiter.api.Test;

/** Runs each operation of {@link JsonWorkloadBenchmark} once and checks what it did. */
class JsonWorkloadBenchmarkTest {
  private static final JsonWorkloadBenchmark BENCHMARK = new JsonWorkloadBenchmark();

  static {
    BENCHMARK.setUp();
  }

  @Test
  void apply_givesThePlainReplaysJson() {
    assertEquals(JsonWorkload.replay(BENCHMARK.ops), BENCHMARK.apply().get("items"));
  }

  @Test
  void plainReplay_leavesTheAnchorsItemCount() {
    assertEquals(7_436, BENCHMARK.plainReplay().size());
  }

  @Test
  void decode_equalsTheAppliedDocument() throws CodecException {
    assertEquals(BENCHMARK.document, BENCHMARK.decode());
    assertEquals(JsonWorkload.replay(BENCHMARK.ops), BENCHMARK.decode().get("items"));
  }
}
