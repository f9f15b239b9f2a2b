package dev.meridian.testkit.regressions;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.meridian.crdt.Replica;
import dev.meridian.crdt.doc.Document;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Counterexamples found by {@code DocumentProperties}. */
class DocumentRegressionTest {
  /**
   * Found by {@code DocumentProperties.mutators_returnTheirDelta} on its first try ({@code
   * law=MUTATOR_DELTA replicas=1 steps=1 seed=0}): the type-clash check built its error message
   * eagerly from the last type under the key, and threw {@code NoSuchElementException} when the key
   * held nothing, so no write to a fresh key worked.
   */
  @Test
  void mutators_returnTheirDelta_writeToAFreshKey() {
    Document doc = Document.create(Replica.random());
    doc.set("a", 1);
    doc.increment("b.c", 2);
    doc.putMap("d", Map.of("e", true));
    assertEquals("{\"a\":1,\"b\":{\"c\":2},\"d\":{\"e\":true}}", doc.toJson());
  }
}
