package dev.meridian.crdt.doc;

import static dev.meridian.crdt.Sites.assertDeltaSinceLaw;
import static dev.meridian.crdt.Sites.joinInEveryOrder;
import static dev.meridian.crdt.Sites.replica;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.collect.ImmutableList;
import dev.meridian.crdt.CrdtType;
import dev.meridian.crdt.Replica;
import dev.meridian.crdt.doc.Conflict.Candidate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** Documents holding lists and text: paths with indexes, JSON, conflicts, concurrent edits. */
class DocumentSequenceTest {
  private final Replica r1 = replica(1);
  private final Replica r2 = replica(2);

  private Document[] shared(Consumer<Document> setup) {
    Document d1 = Document.create(r1);
    setup.accept(d1);
    Document d2 = Document.empty().bind(r2);
    d2.join(d1.deltaSince(d2.context()));
    assertEquals(d1, d2);
    return new Document[] {d1, d2};
  }

  private static Map<String, Object> todo(String title, boolean done) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("title", title);
    m.put("done", done);
    return m;
  }

  @Test
  void hasValues_isFalseOnceEveryElementIsDeleted_thoughTombstonesKeepTheStateNonEmpty() {
    Document d = Document.create(r1);
    assertFalse(d.hasValues());
    d.insertText("t", 0, "ab");
    d.insert("l", 0, 1L);
    assertTrue(d.hasValues());
    d.deleteText("t", 0, 2);
    assertTrue(d.hasValues(), "the list still shows");
    d.delete("l", 0, 1);
    assertFalse(d.hasValues());
    assertFalse(d.isEmpty(), "the tombstones are still in the state");
    assertEquals("{}", d.toJson());
  }

  @Test
  void insert_mapsIntoAList_pathsReachTheirFields() {
    Document d = Document.create(r1);
    d.insert("todos", 0, todo("milk", false));
    d.insert("todos", 1, todo("eggs", false));
    d.insert("todos", 0, todo("bread", true));
    d.set("todos[2].done", true);
    d.set("todos[0].title", "rye bread");

    assertEquals("eggs", d.get("todos[2].title"));
    assertEquals(true, d.get("todos[2].done"));
    assertEquals(3, d.length("todos"));
    assertEquals("{\"todos\":[{\"done\":true,\"title\":\"rye bread\"},{\"done\":false,\"title\":\"milk\"},"
        + "{\"done\":true,\"title\":\"eggs\"}]}", d.toJson());
    assertTrue(d.contains("todos[1].title"));
    assertFalse(d.contains("todos[3]"));
    assertNull(d.get("todos[7].title"));
  }

  @Test
  void removeElement_concurrentWithAnEditOfIt_theEditSurvives() {
    Document[] docs = shared(d -> {
      d.insert("todos", 0, todo("milk", false));
      d.insert("todos", 1, todo("eggs", false));
    });
    Document seed = docs[0].copy();

    Document removed = docs[0].delete("todos", 0, 1);
    Document edited = docs[1].set("todos[0].done", true);
    assertEquals(List.of(todo("eggs", false)), docs[0].get("todos"));
    docs[0].join(edited);
    docs[1].join(removed);

    assertEquals(docs[0], docs[1]);
    // The remover saw title and done; the concurrent write of done survives, in the element's place.
    assertEquals(List.of(Map.of("done", true), todo("eggs", false)), docs[0].get("todos"));
    assertEquals(docs[0], joinInEveryOrder(seed, List.of(removed, edited)));

    // Removing it again, having seen the edit, removes it for good.
    Document again = docs[1].remove("todos[0]");
    docs[0].join(again);
    assertEquals(List.of(todo("eggs", false)), docs[0].get("todos"));
    assertEquals(docs[0], docs[1]);
  }

  @Test
  void insert_concurrentAtOnePlace_bothElementsKeptInOneOrder() {
    Document[] docs = shared(d -> d.insert("l", 0, "end"));
    Document a = docs[0].insert("l", 0, "a1");
    docs[0].insert("l", 1, "a2");
    Document b = docs[1].insert("l", 0, "b1");
    docs[1].insert("l", 1, "b2");
    docs[0].join(docs[1].deltaSince(docs[0].context()));
    docs[1].join(docs[0].deltaSince(docs[1].context()));

    assertEquals(docs[0], docs[1]);
    List<?> l = (List<?>) docs[0].get("l");
    assertTrue(l.equals(List.of("a1", "a2", "b1", "b2", "end"))
        || l.equals(List.of("b1", "b2", "a1", "a2", "end")), l.toString());
    assertTrue(a != null && b != null);
  }

  @Test
  void set_concurrentWritesOfAListElement_areAConflictAtItsPath() {
    Document[] docs = shared(d -> {
      d.insert("l", 0, "x");
      d.insert("l", 1, todo("t", false));
    });
    Document w1 = docs[0].set("l[0]", "one");
    Document w2 = docs[1].set("l[0]", "two");
    Document w3 = docs[0].set("l[1].title", "u");
    Document w4 = docs[1].set("l[1].title", "v");
    docs[0].join(w2);
    docs[0].join(w4);
    docs[1].join(w1);
    docs[1].join(w3);

    assertEquals(docs[0], docs[1]);
    List<Conflict> conflicts = docs[0].conflicts();
    assertEquals(List.of("l[0]", "l[1].title"), conflicts.stream().map(Conflict::path).toList());
    assertEquals(2, conflicts.get(0).candidates().size());
    assertEquals(docs[0].get("l[0]"), conflicts.get(0).candidates().get(0).value());
  }

  @Test
  void text_concurrentEditsInADocument_mergeAsText() {
    Document[] docs = shared(d -> d.insertText("notes.body", 0, "hello world"));
    Document ins = docs[0].insertText("notes.body", 5, ",");
    Document del = docs[1].deleteText("notes.body", 6, 5); // "world"
    Document ins2 = docs[1].insertText("notes.body", 6, "!"); // at the end of "hello "
    docs[0].join(del);
    docs[0].join(ins2);
    docs[1].join(ins);

    assertEquals(docs[0], docs[1]);
    assertEquals("hello, !", docs[0].get("notes.body"));
    assertEquals("{\"notes\":{\"body\":\"hello, !\"}}", docs[0].toJson());
    assertEquals(8, docs[0].length("notes.body"));
    assertDeltaSinceLaw(docs[0], Document.empty());
  }

  @Test
  void remove_keyHoldingTextConcurrentWithAnInsert_theInsertSurvivesInItsPlace() {
    Document[] docs = shared(d -> d.insertText("t", 0, "abc"));
    Document removed = docs[0].remove("t");
    Document typed = docs[1].insertText("t", 2, "X"); // between b and c, both removed elsewhere
    assertNull(docs[0].get("t"), "a text with nothing visible is no value");
    docs[0].join(typed);
    docs[1].join(removed);

    assertEquals(docs[0], docs[1]);
    assertEquals("X", docs[0].get("t"));
    Document late = Document.empty();
    late.join(typed);
    late.join(removed);
    late.join(docs[0].deltaSince(late.context()));
    assertEquals(docs[0], late);
  }

  @Test
  void listsInListsAndTextInElements_pathsNest() {
    Document d = Document.create(r1);
    d.insert("rows", 0, Map.of("name", "a"));
    d.insert("rows[0].cells", 0, 1);
    d.insert("rows[0].cells", 1, 2);
    d.insertText("rows[0].note", 0, "hi");
    d.increment("rows[0].count", 3);
    d.add("rows[0].tags", "x");
    d.enable("rows[0].on");

    assertEquals(List.of(Map.of("name", "a", "cells", List.of(1L, 2L), "note", "hi", "count", 3L,
        "tags", List.of("x"), "on", true)), d.get("rows"));
    d.delete("rows[0].cells", 0, 1);
    d.remove("rows[0].name");
    d.putMap("rows[0]", Map.of("name", "b"));
    assertEquals(List.of(Map.of("name", "b")), d.get("rows"));
  }

  @Test
  void writes_throughAValueOfAnotherTypeOrAMissingIndex_areRefusedAndChangeNothing() {
    Document d = Document.create(r1);
    d.set("s", 1);
    d.insert("l", 0, "x");
    d.insertText("t", 0, "ab");
    Document before = d.copy();

    assertThrows(IllegalArgumentException.class, () -> d.insert("s", 0, 1));
    assertThrows(IllegalArgumentException.class, () -> d.insertText("l", 0, "x"));
    assertThrows(IllegalArgumentException.class, () -> d.set("l[0].f", 1), "a register element");
    assertThrows(IndexOutOfBoundsException.class, () -> d.set("l[1]", 1));
    assertThrows(IndexOutOfBoundsException.class, () -> d.insert("l", 2, 1));
    assertThrows(IndexOutOfBoundsException.class, () -> d.deleteText("t", 1, 2));
    assertThrows(IndexOutOfBoundsException.class, () -> d.set("nothere[0]", 1));
    assertThrows(IllegalArgumentException.class, () -> d.insertText("t", 0, ""));
    assertThrows(IllegalArgumentException.class, () -> d.set("[0]", 1));
    assertEquals(before, d);
  }

  @Test
  void conflict_textAndListUnderOneKey_bothShown() {
    Document d1 = Document.create(r1);
    Document d2 = Document.create(r2);
    Document t = d1.insertText("x", 0, "text");
    Document l = d2.insert("x", 0, 1);
    d1.join(l);
    d2.join(t);

    assertEquals(d1, d2);
    assertEquals("text", d1.get("x"), "the highest type tag shows");
    assertEquals(List.of(new Conflict("x", ImmutableList.of(
        new Candidate(CrdtType.TEXT, "text"), new Candidate(CrdtType.LIST, List.of(1L))))),
        d1.conflicts());
  }
}
