package dev.meridian.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Runs each operation of {@link DocumentMutationBenchmark} once and checks what it did. */
class DocumentMutationBenchmarkTest {
  private static DocumentMutationBenchmark benchmark(int keys) {
    DocumentMutationBenchmark b = new DocumentMutationBenchmark();
    b.keys = keys;
    b.setUp();
    return b;
  }

  @Test
  void setUp_buildsDocumentAndMapWithTheSameKeys() {
    DocumentMutationBenchmark b = benchmark(1000);
    assertEquals(2000, b.document.asMap().size());
    assertEquals(2000, b.map.size());
    assertEquals("name-123", b.document.get("k123.name"));
    assertEquals(1L, b.document.get("c123"));
  }

  @Test
  void documentSet_writesTheRegisterAndReturnsItsDelta() {
    DocumentMutationBenchmark b = benchmark(1000);
    String path = b.registerPaths[0];
    var delta = b.documentSet();
    assertEquals("Paris", b.document.get(path));
    assertEquals("Paris", delta.get(path));
    assertEquals(2000, b.document.asMap().size());
  }

  @Test
  void documentIncrement_addsOneAndReturnsTheDelta() {
    DocumentMutationBenchmark b = benchmark(10);
    String path = b.counterPaths[0];
    var delta = b.documentIncrement();
    assertEquals(2L, b.document.get(path));
    assertEquals(2L, delta.get(path));
  }

  @Test
  void hashMapBaselines_doTheSameOperations() {
    DocumentMutationBenchmark b = benchmark(10);
    String register = b.registerPaths[0];
    String counter = b.counterPaths[1]; // each call takes the next entry of the ring
    b.hashMapPut();
    assertEquals("Paris", b.map.get(register));
    assertEquals(2L, b.hashMapMerge());
    assertEquals(2L, b.map.get(counter));
  }
}
