package dev.meridian.testkit.regressions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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

  /**
   * Found by {@code DocumentProperties.mutators_returnTheirDelta} ({@code law=MUTATOR_DELTA
   * replicas=2 steps=13 seed=2737}): {@code putMap} on a key holding a map and, concurrently, a
   * register removed the map, then refused to write the content through a key that now held only a
   * register, leaving the removal applied: a refused write changed the document. A write through
   * that key is allowed (it holds a map), so putMap is too: it replaces the map and the conflict
   * with the register stays.
   */
  @Test
  void mutators_returnTheirDelta_putMapOnAKeyThatAlsoHoldsARegister() {
    Document a = Document.create(Replica.random());
    Document b = Document.create(Replica.random());
    a.set("b", 0.0);
    a.join(b.increment("b.x", 4)); // concurrent: 'b' now holds a register and a map
    assertEquals("b", a.conflicts().get(0).path());
    Document before = a.copy();
    Document delta = a.putMap("b", Map.of("x", "s"));
    assertEquals("s", a.get("b.x"));
    assertEquals("b", a.conflicts().get(0).path());
    before.join(delta);
    assertEquals(a, before);
  }

  /**
   * Found by {@code DocumentProperties.replicas_convergeUnderUnreliableDelivery} ({@code replicas=4
   * objects=1 ops=31 drop=18 duplicate=0 delay=33 maxDelay=8 seed=-1786556}) after the first putMap
   * fix: 'a' held a flag and (concurrently) a map holding only 'a.a'; putMap("a.a", ...) removed the
   * map at 'a.a', which left 'a' holding only the flag, then refused to write the content through
   * 'a'. The removal stayed applied with no delta to send, so the replicas converged to a state
   * without the removed counter while the deltas said otherwise.
   */
  @Test
  void replicas_convergeUnderUnreliableDelivery_putMapBelowAKeyThatAlsoHoldsAFlag() {
    Document a = Document.create(Replica.random());
    Document b = Document.create(Replica.random());
    Document deltaA = a.increment("a.a.b", -2);
    b.enable("a");
    b.join(deltaA); // 'a' holds a flag and a map
    Document before = b.copy();
    Document delta = b.putMap("a.a", Map.of("b", "x"));
    assertEquals("x", b.get("a.a.b"));
    before.join(delta);
    assertEquals(b, before);
  }

  /** Same property: content with a value that is not a scalar must be refused before any change. */
  @Test
  void mutators_returnTheirDelta_putMapWithABadValueChangesNothing() {
    Document a = Document.create(Replica.random());
    a.putMap("m", Map.of("k", 1L));
    Document before = a.copy();
    Map<String, Object> content = new java.util.TreeMap<>();
    content.put("a", 1L);
    content.put("z", new Object());
    assertThrows(IllegalArgumentException.class, () -> a.putMap("m", content));
    assertEquals(before, a);
  }
}
