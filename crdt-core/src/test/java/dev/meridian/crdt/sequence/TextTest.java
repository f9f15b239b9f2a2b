package dev.meridian.crdt.sequence;

import static dev.meridian.crdt.Sites.assertDeltaSinceLaw;
import static dev.meridian.crdt.Sites.joinInEveryOrder;
import static dev.meridian.crdt.Sites.joined;
import static dev.meridian.crdt.Sites.replica;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.meridian.crdt.Replica;
import dev.meridian.crdt.clock.CausalContext;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TextTest {
  private final Replica r1 = replica(1);
  private final Replica r2 = replica(2);
  private final Replica r3 = replica(3);

  /** Types {@code word} into {@code t} one character per delta from {@code at} on. */
  private static List<Text> typeForward(Text t, Replica r, int at, String word) {
    List<Text> deltas = new ArrayList<>();
    for (int i = 0; i < word.length(); i++) {
      deltas.add(t.insert(r, at + i, word.substring(i, i + 1)));
    }
    return deltas;
  }

  /** Types {@code word} backwards: every character at {@code at}, last character first. */
  private static List<Text> typeBackward(Text t, Replica r, int at, String word) {
    List<Text> deltas = new ArrayList<>();
    for (int i = word.length() - 1; i >= 0; i--) {
      deltas.add(t.insert(r, at, word.substring(i, i + 1)));
    }
    return deltas;
  }

  private static Text sync(Text a, Text b) {
    b.join(a.deltaSince(b.context()));
    a.join(b.deltaSince(a.context()));
    assertEquals(a, b);
    return a;
  }

  private static Text joinAll(List<Text> deltas) {
    Text t = deltas.get(0).copy();
    deltas.subList(1, deltas.size()).forEach(t::join);
    return t;
  }

  private static Text allJoined(List<Text> deltas) {
    Text t = new Text();
    deltas.forEach(t::join);
    return t;
  }

  @Test
  void insert_concurrentWordsAtTheSamePosition_doNotInterleave() {
    Text a = new Text();
    Text b = new Text();
    List<Text> brackets = typeForward(b, r2, 0, "[]");
    sync(a, b);

    List<Text> words = new ArrayList<>(typeForward(a, r1, 1, "hello"));
    words.addAll(typeForward(b, r2, 1, "world"));
    sync(a, b);

    String v = a.value();
    assertTrue(v.equals("[helloworld]") || v.equals("[worldhello]"), v);
    Random random = new Random(7);
    for (int i = 0; i < 50; i++) {
      List<Text> shuffled = new ArrayList<>(brackets);
      shuffled.addAll(words);
      Collections.shuffle(shuffled, random);
      Text d = allJoined(shuffled);
      assertEquals(v, d.value(), "delivery order changed the text");
      assertEquals(a, d);
    }
  }

  @Test
  void insert_concurrentWordsTypedBackwards_doNotInterleave() {
    Text a = new Text();
    Text b = new Text();
    List<Text> deltas = new ArrayList<>(typeBackward(a, r1, 0, "abc"));
    deltas.addAll(typeBackward(b, r2, 0, "xyz"));
    sync(a, b);

    String v = a.value();
    assertTrue(v.equals("abcxyz") || v.equals("xyzabc"), v);
    assertEquals(a, joinInEveryOrder(new Text(), List.of(
        joinAll(deltas.subList(0, 3)), deltas.get(3), deltas.get(4), deltas.get(5))));
  }

  @Test
  void insert_threeReplicasTypingAtOnePlace_eachWordStaysWhole() {
    Text a = new Text();
    Text b = new Text();
    Text c = new Text();
    List<Text> deltas = new ArrayList<>(typeForward(a, r1, 0, "one"));
    deltas.addAll(typeForward(b, r2, 0, "two"));
    deltas.addAll(typeBackward(c, r3, 0, "six"));
    Text merged = allJoined(deltas);

    String v = merged.value();
    assertEquals(9, v.length());
    for (String w : List.of("one", "two", "six")) {
      assertTrue(v.contains(w), w + " was split in " + v);
    }
    Collections.reverse(deltas);
    assertEquals(merged, allJoined(deltas));
  }

  @Test
  void delete_concurrentWithInsertBesideIt_bothApply() {
    Text a = new Text();
    Text b = new Text();
    a.insert(r1, 0, "abc");
    sync(a, b);

    Text deleted = a.delete(r1, 1, 1); // "b"
    Text before = b.insert(r2, 1, "X"); // between a and b
    Text after = b.insert(r2, 3, "Y"); // between b and c
    a.join(before);
    a.join(after);
    b.join(deleted);

    assertEquals("aXYc", a.value());
    assertEquals(a, b);
    Text base = new Text();
    base.join(a.deltaSince(new CausalContext()));
    assertEquals(a, base);
  }

  @Test
  void delete_concurrentDeletesOfOverlappingRanges_removeTheUnion() {
    Text a = new Text();
    Text b = new Text();
    a.insert(r1, 0, "abcdef");
    sync(a, b);

    Text d1 = a.delete(r1, 1, 3); // bcd
    Text d2 = b.delete(r2, 2, 3); // cde
    a.join(d2);
    b.join(d1);

    assertEquals("af", a.value());
    assertEquals(a, b);
  }

  @Test
  void join_characterBeforeTheOneItWasTypedAfter_waitsThenFindsItsPlace() {
    Text a = new Text();
    Text first = a.insert(r1, 0, "a");
    Text second = a.insert(r1, 1, "b");
    Text third = a.insert(r1, 0, "_");

    Text c = new Text();
    c.join(second); // its left origin "a" has not arrived
    assertEquals("", c.value());
    c.join(third);
    assertEquals("", c.value(), "'_' was typed before 'a', which has not arrived");
    c.join(first);
    assertEquals("_ab", c.value());
    assertEquals(a, c);
    c.join(second);
    assertEquals(a, c, "a duplicate changes nothing");
  }

  @Test
  void join_deleteBeforeTheInsert_insertStaysRemoved() {
    Text a = new Text();
    Text ins = a.insert(r1, 0, "xy");
    Text del = a.delete(r1, 0, 1);

    Text c = new Text();
    c.join(del);
    c.join(ins);
    assertEquals("y", c.value());
    assertEquals(a, c);
  }

  @Test
  void deltaSince_carriesRemovalsAndRemovedRecords() {
    Text a = new Text();
    Text b = new Text();
    a.insert(r1, 0, "hello");
    sync(a, b);
    a.delete(r1, 0, 2);
    a.insert(r1, 3, "!");
    Text stale = b.copy();

    assertDeltaSinceLaw(a, b);
    b.join(a.deltaSince(b.context()));
    assertEquals("llo!", b.value());
    assertEquals(a, b);
    assertDeltaSinceLaw(stale, a);
    assertTrue(a.deltaSince(a.context()).isEmpty());
  }

  @Test
  void insert_typingAtTheEnd_extendsOneRun() {
    Text t = new Text();
    for (int i = 0; i < 100; i++) {
      t.insert(r1, i, "x");
    }
    assertEquals(1, t.store().runCount());
    t.delete(r1, 99, 1);
    t.delete(r1, 98, 1);
    assertEquals(2, t.store().runCount(), "the removed tail is one run");
    assertEquals(100, t.store().recordCount());
  }

  @Test
  void equals_doesNotDependOnHowRunsAreSplit() {
    Text typed = new Text();
    List<Text> deltas = typeForward(typed, r1, 0, "abcdef");
    Text joinedOneByOne = allJoined(deltas);
    Text whole = new Text();
    whole.join(typed.deltaSince(new CausalContext()));

    assertEquals(typed, joinedOneByOne);
    assertEquals(typed, whole);
    assertEquals(typed.hashCode(), joinedOneByOne.hashCode());
    assertNotEquals(typed, allJoined(typeForward(new Text(), r2, 0, "abcdef")));
  }

  @Test
  void insert_outOfRange_throwsAndChangesNothing() {
    Text t = new Text();
    t.insert(r1, 0, "ab");
    Text before = t.copy();
    assertThrows(IndexOutOfBoundsException.class, () -> t.insert(r1, 3, "x"));
    assertThrows(IndexOutOfBoundsException.class, () -> t.insert(r1, -1, "x"));
    assertThrows(IllegalArgumentException.class, () -> t.insert(r1, 0, ""));
    assertThrows(IllegalArgumentException.class, () -> t.delete(r1, 1, 2));
    assertEquals(before, t);
  }

  @Test
  void delete_ofNothing_isStillAnEvent() {
    Text t = new Text();
    t.insert(r1, 0, "ab");
    Text d = t.delete(r1, 1, 0);
    assertTrue(d.isEmpty());
    assertTrue(!d.context().isSubsetOf(new Text().context()));
    assertEquals("ab", t.value());
  }
}
