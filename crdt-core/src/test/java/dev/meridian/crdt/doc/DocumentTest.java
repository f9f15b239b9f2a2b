package dev.meridian.crdt.doc;

import static dev.meridian.crdt.Sites.assertDeltaSinceLaw;
import static dev.meridian.crdt.Sites.joinInEveryOrder;
import static dev.meridian.crdt.Sites.joined;
import static dev.meridian.crdt.Sites.replica;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import com.google.common.testing.NullPointerTester;
import dev.meridian.crdt.CrdtType;
import dev.meridian.crdt.Replica;
import dev.meridian.crdt.doc.Conflict.Candidate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class DocumentTest {
  private final Replica r1 = replica(1);
  private final Replica r2 = replica(2);
  private final Replica r3 = replica(3);

  /** Two documents at r1 and r2 that both hold what {@code setup} wrote at r1. */
  private Document[] shared(Consumer<Document> setup) {
    Document d1 = Document.create(r1);
    setup.accept(d1);
    Document d2 = Document.empty().bind(r2);
    d2.join(d1.deltaSince(d2.context()));
    assertEquals(d1, d2);
    return new Document[] {d1, d2};
  }

  // ---- the classic concurrent scenarios -------------------------------------------------------

  @Test
  void removeElement_concurrentWithAdd_addWins() {
    Document[] docs = shared(d -> d.add("tags", "x"));
    Document seed = docs[0].copy();

    Document removed = docs[0].removeElement("tags", "x");
    Document added = docs[1].add("tags", "x");
    assertNull(docs[0].get("tags"), "a set with no elements is no value (no tombstones)");
    docs[0].join(added);
    docs[1].join(removed);

    assertEquals(docs[0], docs[1]);
    assertEquals(List.of("x"), docs[0].get("tags"));
    assertEquals(docs[0], joinInEveryOrder(seed, List.of(removed, added)));
  }

  @Test
  void set_concurrentWrites_bothKeptAndSamePickEverywhere() {
    Replica early = replica(1, 1_000);
    Replica late = replica(2, 2_000);
    Document d1 = Document.create(early);
    Document d2 = Document.create(late);

    Document w1 = d1.set("title", "early");
    Document w2 = d2.set("title", "late");
    d1.join(w2);
    d2.join(w1);

    assertEquals(d1, d2);
    assertEquals("late", d1.get("title"));
    assertEquals("late", d2.get("title"));
    List<Conflict> expected = List.of(new Conflict("title", ImmutableList.of(
        new Candidate(CrdtType.REGISTER, "late"), new Candidate(CrdtType.REGISTER, "early"))));
    assertEquals(expected, d1.conflicts());
    assertEquals(expected, d2.conflicts());
    assertEquals("{\"title\":\"late\"}", d1.toJson());
  }

  @Test
  void set_concurrentWritesSameClock_higherReplicaIdPickedEverywhere() {
    Document d1 = Document.create(replica(0x10, 5_000));
    Document d2 = Document.create(replica(0x20, 5_000));
    Document d3 = Document.create(replica(0x05, 5_000));

    List<Document> deltas = List.of(d1.set("v", 1), d2.set("v", 2), d3.set("v", 3));
    for (Document d : List.of(d1, d2, d3)) {
      deltas.forEach(d::join);
    }

    assertEquals(d1, d2);
    assertEquals(d2, d3);
    for (Document d : List.of(d1, d2, d3)) {
      assertEquals(2L, d.get("v"));
      assertEquals(1, d.conflicts().size());
      assertEquals(3, d.conflicts().get(0).candidates().size());
    }
  }

  @Test
  void remove_concurrentWithUpdateBelow_updateSurvivesRestGone() {
    Document[] docs = shared(d -> {
      d.set("a.b", "old-b");
      d.set("a.c", "old-c");
      d.set("other", 1);
    });
    Document seed = docs[0].copy();

    Document removed = docs[0].remove("a");
    Document updated = docs[1].set("a.b", "new");
    assertFalse(docs[0].contains("a"));
    docs[0].join(updated);
    docs[1].join(removed);

    assertEquals(docs[0], docs[1]);
    assertEquals(Map.of("b", "new"), docs[0].get("a"));
    assertFalse(docs[0].contains("a.c"));
    assertNull(docs[1].get("a.c"));
    assertEquals("{\"a\":{\"b\":\"new\"},\"other\":1}", docs[1].toJson());
    assertEquals(docs[0], joinInEveryOrder(seed, List.of(removed, updated)));
  }

  @Test
  void remove_concurrentWithUpdateDeepBelow_keepsPathToUpdate() {
    Document[] docs = shared(d -> {
      d.set("a.x.y", 1);
      d.set("a.z", 2);
    });

    Document removed = docs[0].remove("a");
    Document updated = docs[1].increment("a.x.n", 5);
    docs[0].join(updated);
    docs[1].join(removed);

    assertEquals(docs[0], docs[1]);
    assertEquals("{\"a\":{\"x\":{\"n\":5}}}", docs[0].toJson());
  }

  @Test
  void set_concurrentDifferentTypesUnderOneKey_bothVisible() {
    Document d1 = Document.create(r1);
    Document d2 = Document.create(r2);

    Document asRegister = d1.set("k", "text");
    Document asCounter = d2.increment("k", 5);
    Document asFlag = Document.create(r3).enable("k");
    d1.join(asCounter);
    d1.join(asFlag);
    d2.join(asFlag);
    d2.join(asRegister);

    assertEquals(d1, d2);
    assertEquals(
        List.of(new Conflict("k", ImmutableList.of(
            new Candidate(CrdtType.FLAG, true),
            new Candidate(CrdtType.COUNTER, 5L),
            new Candidate(CrdtType.REGISTER, "text")))),
        d1.conflicts());
    assertEquals("{\"k\":true}", d1.toJson(), "the highest type tag is shown");
    assertEquals(true, d2.get("k"));
  }

  @Test
  void set_typeConflictResolvedByRemovingOneType_remainderShown() {
    Document d1 = Document.create(r1);
    Document d2 = Document.create(r2);
    Document asCounter = d2.increment("k", 5);
    d2.join(d1.set("k", "text"));
    d1.join(asCounter);
    assertEquals(1, d2.conflicts().size());

    // A remove takes every type; after it, the name is free for any type again.
    Document removed = d1.remove("k");
    d2.join(removed);
    d2.set("k", "again");

    assertEquals(List.of(), d2.conflicts());
    assertEquals("{\"k\":\"again\"}", d2.toJson());
  }

  @Test
  void increment_afterObservedRemove_startsFromZero() {
    Document[] docs = shared(d -> d.increment("n", 5));
    docs[1].increment("n", 3);
    docs[0].join(docs[1].deltaSince(docs[0].context()));
    assertEquals(8L, docs[0].get("n"));

    Document removed = docs[1].remove("n");
    docs[0].join(removed);
    Document incremented = docs[0].increment("n", 2);
    docs[1].join(incremented);

    assertEquals(docs[0], docs[1]);
    assertEquals(2L, docs[0].get("n"));
    assertEquals(2L, docs[1].get("n"));
  }

  @Test
  void increment_concurrentWithRemove_survivesWithIncrementersEarlierContribution() {
    // Documented in Counter: the incrementer's earlier contribution travels in its new entry, so
    // it survives a concurrent removal; the remover's own contribution is gone.
    Document[] docs = shared(d -> d.increment("n", 5));
    docs[0].join(docs[1].increment("n", 3));
    Document seed = docs[0].copy();
    docs[1].join(seed.deltaSince(docs[1].context()));
    assertEquals(8L, docs[1].get("n"));

    Document removed = docs[1].remove("n");
    Document incremented = docs[0].increment("n", 2);
    docs[0].join(removed);
    docs[1].join(incremented);

    assertEquals(docs[0], docs[1]);
    assertEquals(7L, docs[0].get("n"));
    assertEquals(docs[0], joinInEveryOrder(seed, List.of(removed, incremented)));
  }

  @Test
  void disable_concurrentWithEnable_enableWins() {
    Document[] docs = shared(d -> d.enable("f"));

    Document disabled = docs[0].disable("f");
    Document enabled = docs[1].enable("f");
    assertNull(docs[0].get("f"), "a disabled flag holds no dot, so it is no value");
    docs[0].join(enabled);
    docs[1].join(disabled);

    assertEquals(docs[0], docs[1]);
    assertEquals(true, docs[0].get("f"));
  }

  @Test
  void putMap_replacesObservedContent_concurrentWriteBelowSurvives() {
    Document[] docs = shared(d -> d.putMap("p", Map.of("name", "Ann", "age", 30)));

    Document replaced = docs[0].putMap("p", Map.of("name", "Bo", "tags", List.of("x", "y")));
    Document concurrent = docs[1].set("p.nick", "b");
    docs[0].join(concurrent);
    docs[1].join(replaced);

    assertEquals(docs[0], docs[1]);
    assertEquals("{\"p\":{\"name\":\"Bo\",\"nick\":\"b\",\"tags\":[\"x\",\"y\"]}}", docs[0].toJson());
  }

  // ---- reads -----------------------------------------------------------------------------------

  @Test
  void toJson_allTypesSortedKeys() {
    Document d = Document.create(r1);
    d.set("s", "q\"uote\n");
    d.set("i", 7);
    d.set("x", 2.5);
    d.set("z", null);
    d.increment("c", -3);
    d.enable("f");
    d.enable("g");
    d.disable("g"); // a disabled flag holds no dot: absent, like an empty set
    d.add("set", "b");
    d.add("set", 1);
    d.set("m.inner", true);

    assertEquals(
        "{\"c\":-3,\"f\":true,\"i\":7,\"m\":{\"inner\":true},"
            + "\"s\":\"q\\\"uote\\n\",\"set\":[1,\"b\"],\"x\":2.5,\"z\":null}",
        d.toJson());
    assertTrue(d.contains("z"), "a register holding null is present");
    assertFalse(d.contains("g"));
    assertNull(d.get("nope"));
    assertNull(d.get("m.inner.deeper"));
    assertNull(d.get("s.deeper"));
    assertFalse(d.contains("nope.deeper"));
  }

  @Test
  void asMap_nestedMapsAreSorted() {
    Document d = Document.create(r1);
    d.set("b.y", 1);
    d.set("b.x", 2);
    d.set("a", 3);

    Map<String, Object> m = d.asMap();

    assertEquals(List.of("a", "b"), new ArrayList<>(m.keySet()));
    @SuppressWarnings("unchecked")
    Map<String, Object> b = (Map<String, Object>) m.get("b");
    assertEquals(List.of("x", "y"), new ArrayList<>(b.keySet()));
  }

  @Test
  void equals_ignoresBoundReplica() {
    Document d = Document.create(r1);
    d.set("a", 1);

    Document unbound = Document.empty();
    unbound.join(d);

    assertEquals(d, unbound);
    assertEquals(d.hashCode(), unbound.hashCode());
  }

  @Test
  void join_sharesNothingWithDeltaOrSource() {
    Document d1 = Document.create(r1);
    Document d2 = Document.create(r2);
    Document delta = d1.set("a.b", 1);
    d1.add("a.s", "x");
    Document deltaBefore = delta.copy();

    d2.join(delta);
    d2.join(d1);
    d1.set("a.b", 2);
    d1.remove("a.s");
    d2.set("a.b", 3);
    d2.removeElement("a.s", "x");
    d2.remove("a");

    assertEquals(deltaBefore, delta);
    assertEquals(1L, delta.get("a.b"));
    assertEquals(Map.of("b", 2L), d1.get("a"), "d2's writes leaked into d1");
  }

  // ---- misuse ------------------------------------------------------------------------------------

  private static void assertRejected(Document d, String message, Executable write) {
    Document before = d.copy();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, write);
    assertEquals(message, e.getMessage());
    assertEquals(before, d, "a rejected write changed the document");
  }

  @Test
  void set_pathThroughCounter_throwsAndChangesNothing() {
    Document d = Document.create(r1);
    d.increment("a", 1);

    assertRejected(d, "'a' is a counter, not a map", () -> d.set("a.b", "x"));
    assertRejected(d, "'a' is a counter, not a map", () -> d.set("a.b.c", "x"));
    assertRejected(d, "'a' is a counter, not a map", () -> d.remove("a.b"));
  }

  @Test
  void set_pathThroughSetOrRegister_throwsAndChangesNothing() {
    Document d = Document.create(r1);
    d.add("m.tags", "x");
    d.set("r", "v");

    assertRejected(d, "'m.tags' is a set, not a map", () -> d.enable("m.tags.f"));
    assertRejected(d, "'r' is a register, not a map", () -> d.increment("r.n", 1));
  }

  @Test
  void increment_whereRegisterIs_throwsAndChangesNothing() {
    Document d = Document.create(r1);
    d.set("a.b", "x");

    assertRejected(d, "'a.b' holds a register; remove it before writing a counter",
        () -> d.increment("a.b", 1));
    assertRejected(d, "'a' holds a map; remove it before writing a register", () -> d.set("a", 1));
    assertRejected(d, "'a.b' holds a register; remove it before writing a map",
        () -> d.putMap("a.b", Map.of("c", 1)));
    assertRejected(d, "'a.b' holds a register; remove it before writing a set",
        () -> d.add("a.b", 1));
  }

  @Test
  void typeClash_isItsOwnKind_otherMisuseIsNot() {
    Document d = Document.create(r1);
    d.increment("a", 1);
    d.insert("l", 0, "x");

    assertThrows(TypeClashException.class, () -> d.set("a.b", 1));
    assertThrows(TypeClashException.class, () -> d.add("a", "e"));
    assertThrows(TypeClashException.class, () -> d.set("l[0].f", 1));
    IllegalArgumentException syntax = assertThrows(IllegalArgumentException.class,
        () -> d.set("a..b", 1));
    assertFalse(syntax instanceof TypeClashException, syntax.getMessage());
    IllegalArgumentException value = assertThrows(IllegalArgumentException.class,
        () -> d.set("b", List.of(1)));
    assertFalse(value instanceof TypeClashException, value.getMessage());
  }

  @Test
  void set_nonScalar_throwsAndChangesNothing() {
    Document d = Document.create(r1);
    d.set("a", 1);
    Document before = d.copy();

    assertThrows(IllegalArgumentException.class, () -> d.set("a", List.of(1)));
    assertThrows(IllegalArgumentException.class, () -> d.add("s", Map.of()));
    assertThrows(IllegalArgumentException.class, () -> d.set("a", Double.NaN));

    assertEquals(before, d);
  }

  /**
   * Found by peer's ClientInputFuzzTest (crash-increment-through-list-index): an index below an
   * absent map ("a.b[1]") passed the path check, which stopped at the first absent value, and the
   * edit then failed with a NullPointerException (an INTERNAL error for the client).
   */
  @Test
  void fuzzFinding_indexBelowAnAbsentMap_isRefusedWithAMessage() {
    Document d = Document.create(r1);
    d.set("name", "Ada");
    Document before = d.copy();
    for (String path : List.of("a.b[1]", "a.b.c[0]", "a.b[0].c")) {
      IndexOutOfBoundsException e =
          assertThrows(IndexOutOfBoundsException.class, () -> d.increment(path, 1), path);
      assertEquals("'" + path.substring(0, path.indexOf('[')) + "' is not a list here",
          e.getMessage());
    }
    assertEquals(before, d, "nothing changed");
  }

  @Test
  void mutate_listIndexPathWithNoListThere_throwsClearMessage() {
    Document d = Document.create(r1);

    IndexOutOfBoundsException e =
        assertThrows(IndexOutOfBoundsException.class, () -> d.set("todos[3].done", true));

    assertEquals("'todos' is not a list here", e.getMessage());
    assertEquals(null, d.get("todos[0]"));
    assertThrows(IndexOutOfBoundsException.class, () -> d.remove("todos[0]"));
    assertTrue(d.isEmpty());
  }

  @Test
  void mutate_badPath_throws() {
    Document d = Document.create(r1);

    assertThrows(IllegalArgumentException.class, () -> d.set("a..b", 1));
    assertThrows(IllegalArgumentException.class, () -> d.increment("", 1));
    assertTrue(d.isEmpty());
  }

  @Test
  void mutate_unbound_throwsIllegalState() {
    Document empty = Document.empty();
    Document bound = Document.create(r1);
    Document delta = bound.set("a", 1);

    IllegalStateException e = assertThrows(IllegalStateException.class, () -> empty.set("a", 1));
    assertThrows(IllegalStateException.class, () -> delta.set("b", 2));
    assertThrows(IllegalStateException.class, () -> delta.remove("a"));
    assertThrows(IllegalStateException.class, () -> Document.of(bound.map().copy()).enable("f"));

    assertTrue(e.getMessage().contains("not bound to a replica"), e.getMessage());
    assertTrue(empty.isEmpty());
    empty.bind(r2).set("a", 2);
    assertEquals(2L, empty.get("a"));
  }

  @Test
  void staticFactoriesAndBind_rejectNull() {
    new NullPointerTester().setDefault(Replica.class, r1).testAllPublicStaticMethods(Document.class);
    assertThrows(NullPointerException.class, () -> Document.empty().bind(null));
  }

  // ---- keyed deltas on a big document ------------------------------------------------------------

  private static Document thousandKeys(Replica r) {
    Document d = Document.create(r);
    for (int i = 0; i < 1_000; i++) {
      d.set("k" + i, i);
    }
    return d;
  }

  @Test
  void remove_oneOfThousandKeys_deltaRemovesExactlyIt() {
    Document d1 = thousandKeys(r1);
    Document d2 = Document.empty().bind(r2);
    d2.join(d1.copy());
    d2.set("k7", "concurrent"); // unrelated concurrent change at d2
    Map<String, Object> before = d2.asMap();

    Document delta = d1.remove("k500");
    d2.join(delta);

    assertEquals(1, delta.map().store().size(), "the delta names one key");
    assertFalse(d2.contains("k500"));
    Map<String, Object> expected = new LinkedHashMap<>(before);
    expected.remove("k500");
    assertEquals(expected, d2.asMap());
    assertEquals(999, d2.asMap().size());
    assertEquals("concurrent", d2.get("k7"));
  }

  @Test
  void join_deltasFromThreeReplicasInManyOrders_equalDocuments() {
    Document d1 = thousandKeys(r1);
    Document d2 = Document.empty().bind(r2);
    Document d3 = Document.empty().bind(r3);
    Document base = d1.copy();
    d2.join(base);
    d3.join(base);

    List<Document> deltas = new ArrayList<>();
    deltas.add(d1.remove("k1"));
    deltas.add(d1.set("k2", "one"));
    deltas.add(d1.increment("n", 1));
    deltas.add(d2.remove("k2"));
    deltas.add(d2.add("s", "two"));
    deltas.add(d2.increment("n", 2));
    deltas.add(d3.set("k1", "three"));
    deltas.add(d3.set("k2", "three"));
    deltas.add(d3.removeElement("s", "two"));
    deltas.add(d3.remove("k999"));

    List<List<Document>> orders = new ArrayList<>();
    orders.add(deltas);
    List<Document> reversed = new ArrayList<>(deltas);
    Collections.reverse(reversed);
    orders.add(reversed);
    List<Document> withDuplicates = new ArrayList<>(deltas);
    withDuplicates.addAll(reversed);
    withDuplicates.addAll(deltas.subList(2, 5));
    orders.add(withDuplicates);
    Random random = new Random(42);
    for (int i = 0; i < 20; i++) {
      List<Document> shuffled = new ArrayList<>(withDuplicates);
      Collections.shuffle(shuffled, random);
      orders.add(shuffled);
    }

    Document first = null;
    for (List<Document> order : orders) {
      Document d = base.copy();
      order.forEach(d::join);
      if (first == null) {
        first = d;
      }
      assertEquals(first, d);
    }
    // Each replica holds its own deltas; joining the others' gives the same document.
    for (Document d : List.of(d1, d2, d3)) {
      deltas.forEach(d::join);
      assertEquals(first, d);
    }
    // Batched: deltas joined into one another first.
    Document batch = Document.empty();
    reversed.forEach(batch::join);
    assertEquals(first, joined(base, batch));

    assertEquals("three", first.get("k1"));
    // d1's and d3's writes are concurrent (and d2's remove saw neither); d1 picks first because its
    // hybrid clock ran 1,000 logical ticks ahead writing the keys.
    assertEquals("one", first.get("k2"));
    assertEquals(List.of("two"), first.get("s"), "d3 removed 's' before seeing the add");
    assertEquals(3L, first.get("n"));
    assertFalse(first.contains("k999"));
    assertEquals(1_000 + 2 - 1, first.asMap().size());
    assertEquals(
        List.of(new Conflict("k2", ImmutableList.of(
            new Candidate(CrdtType.REGISTER, "one"), new Candidate(CrdtType.REGISTER, "three")))),
        first.conflicts());
  }

  // ---- deltaSince --------------------------------------------------------------------------------

  @Test
  void deltaSince_replicaMissedRemovals_catchesUp() {
    Document[] docs = shared(d -> {
      d.set("a.b", 1);
      d.add("tags", "x");
      d.increment("n", 4);
      d.enable("f");
      d.set("keep", "k");
    });
    docs[0].remove("a"); // docs[1] misses all of these deltas
    docs[0].removeElement("tags", "x");
    docs[0].remove("n");
    docs[0].disable("f");
    docs[0].set("keep", "k2");
    assertDeltaSinceLaw(docs[0], docs[1]);

    docs[1].join(docs[0].deltaSince(docs[1].context()));

    assertEquals(docs[0], docs[1]);
    assertEquals("{\"keep\":\"k2\"}", docs[1].toJson());
  }

  @Test
  void deltaSince_law_concurrentDocuments() {
    Document[] docs = shared(d -> {
      d.set("a.b", 1);
      d.set("a.c", 1);
      d.add("tags", "x");
      d.increment("n", 4);
    });
    docs[0].remove("a");
    docs[0].add("tags", "y");
    docs[0].increment("n", 1);
    docs[1].set("a.b", 2);
    docs[1].removeElement("tags", "x");
    docs[1].set("k", true);

    assertDeltaSinceLaw(docs[0], docs[1]);
    assertDeltaSinceLaw(docs[1], docs[0]);
    assertDeltaSinceLaw(docs[0], Document.empty());
    assertDeltaSinceLaw(Document.empty(), docs[1]);
  }

  @Test
  void deltaSince_upToDateReplica_sendsNothing() {
    Document[] docs = shared(d -> {
      for (String k : Arrays.asList("a", "b", "c")) {
        d.set(k, k);
      }
    });

    Document delta = docs[0].deltaSince(docs[1].context());

    assertTrue(delta.isEmpty());
    assertTrue(delta.context().isEmpty());
  }

  @Test
  void deltaSince_emptyRemote_isWholeState() {
    Document d = thousandKeys(r1);
    d.remove("k3");

    Document delta = d.deltaSince(Document.empty().context());

    assertEquals(d, delta);
    assertEquals(ImmutableMap.of(), Document.empty().asMap());
  }
}
