package dev.meridian.benchmarks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.meridian.crdt.codec.CodecException;
import dev.meridian.crdt.sequence.Text;
import dev.meridian.testdata.EditingTrace;
import org.junit.jupiter.api.Test;

/** Runs each operation of {@link TraceCodecBenchmark} once and checks what it did. */
class TraceCodecBenchmarkTest {
  private static final TraceCodecBenchmark BENCHMARK = new TraceCodecBenchmark();

  static {
    BENCHMARK.setUp();
  }

  @Test
  void encode_isDeterministicAndNoLargerThanYjs() {
    assertArrayEquals(BENCHMARK.bytes, BENCHMARK.encode());
    assertTrue(BENCHMARK.bytes.length <= 159_929, "Yjs encodes this document in 159,929 bytes");
  }

  @Test
  void decode_equalsTheState() throws CodecException {
    Text t = BENCHMARK.decode();
    assertEquals(BENCHMARK.text, t);
    assertEquals(EditingTrace.automergePaper().endContent(), t.value());
  }

  @Test
  void decodeAndMerge_equalsTheState() throws CodecException {
    assertEquals(BENCHMARK.text, BENCHMARK.decodeAndMerge());
  }

  @Test
  void merge_equalsTheState() {
    assertEquals(BENCHMARK.text, BENCHMARK.merge());
  }
}
