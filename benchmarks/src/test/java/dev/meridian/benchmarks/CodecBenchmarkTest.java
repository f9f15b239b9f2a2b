package dev.meridian.benchmarks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.meridian.crdt.codec.CodecException;
import org.junit.jupiter.api.Test;

/** Runs each operation of {@link CodecBenchmark} once and checks what it did. */
class CodecBenchmarkTest {
  private static CodecBenchmark benchmark() {
    CodecBenchmark b = new CodecBenchmark();
    b.setUp();
    return b;
  }

  @Test
  void encodeDelta_isDeterministic() {
    CodecBenchmark b = benchmark();
    assertArrayEquals(b.deltaBytes, b.encodeDelta());
  }

  @Test
  void decodeDelta_equalsTheOriginal() throws CodecException {
    CodecBenchmark b = benchmark();
    assertEquals(b.delta, b.decodeDelta());
    assertEquals(SizeReport.VALUE, b.decodeDelta().get(SizeReport.PATH));
  }

  @Test
  void encodeDocument_isDeterministic() {
    CodecBenchmark b = benchmark();
    assertArrayEquals(b.documentBytes, b.encodeDocument());
  }

  @Test
  void decodeDocument_equalsTheOriginal() throws CodecException {
    CodecBenchmark b = benchmark();
    assertEquals(b.document, b.decodeDocument());
    assertEquals(b.document.toJson(), b.decodeDocument().toJson());
    assertEquals(2 * SizeReport.DOCUMENT_KEYS, b.decodeDocument().asMap().size());
  }
}
