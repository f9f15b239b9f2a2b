package dev.meridian.crdt.set;

import static dev.meridian.crdt.Sites.assertDeltaSinceLaw;
import static dev.meridian.crdt.Sites.joinInEveryOrder;
import static dev.meridian.crdt.Sites.joined;
import static dev.meridian.crdt.Sites.replica;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.meridian.crdt.Replica;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class AwSetTest {
  private final Replica r1 = replica(1);
  private final Replica r2 = replica(2);
  private final Replica r3 = replica(3);

  @Test
  void add_concurrentWithRemove_addWins() {
    AwSet s1 = new AwSet();
    AwSet s2 = new AwSet();
    AwSet added = s1.add(r1, "x");
    s2.join(added);

    AwSet removed = s1.remove(r1, "x");
    AwSet readded = s2.add(r2, "x");
    assertFalse(s1.contains("x"));
    s1.join(readded);
    s2.join(removed);

    assertEquals(s1, s2);
    assertTrue(s1.contains("x"));
    assertEquals(List.of("x"), s1.elements());
    AwSet observer = joinInEveryOrder(new AwSet(), List.of(added, removed, readded));
    assertEquals(s1, observer);
  }

  @Test
  void add_concurrentWithRemoveOfUnseenElement_addWins() {
    AwSet s1 = new AwSet();
    AwSet s2 = new AwSet();

    AwSet removed = s1.remove(r1, "x");
    AwSet added = s2.add(r2, "x");
    s1.join(added);
    s2.join(removed);

    assertEquals(s1, s2);
    assertEquals(List.of("x"), s2.elements());
  }

  @Test
  void remove_afterSeeingEveryAdd_removesEverywhere() {
    AwSet s1 = new AwSet();
    AwSet s2 = new AwSet();
    AwSet s3 = new AwSet();
    AwSet a1 = s1.add(r1, "x");
    AwSet a2 = s2.add(r2, "x");
    s3.join(a1);
    s3.join(a2);

    AwSet removed = s3.remove(r3, "x");

    assertEquals(List.of(), s3.elements());
    assertEquals(List.of(), joinInEveryOrder(new AwSet(), List.of(a1, a2, removed)).elements());
    s1.join(removed);
    s1.join(a2);
    assertEquals(s3, s1);
  }

  @Test
  void remove_seenOnlyOneOfTwoAdds_keepsElement() {
    AwSet s1 = new AwSet();
    AwSet s2 = new AwSet();
    AwSet a1 = s1.add(r1, "x");
    AwSet a2 = s2.add(r2, "x");

    AwSet removed = s1.remove(r1, "x");
    AwSet all = joinInEveryOrder(new AwSet(), List.of(a1, a2, removed));

    assertEquals(List.of("x"), all.elements());
  }

  @Test
  void elements_sortedInScalarOrderAndNormalized() {
    AwSet s = new AwSet();
    for (Object e : Arrays.asList("b", 2.5, 3, true, null, "a", 1L)) {
      s.add(r1, e);
    }

    assertEquals(Arrays.asList(null, true, 1L, 3L, 2.5, "a", "b"), s.elements());
    assertTrue(s.contains(3L));
    assertTrue(s.contains((short) 3));
    assertTrue(s.contains(null));
  }

  @Test
  void add_nonScalar_throwsAndChangesNothing() {
    AwSet s = new AwSet();
    s.add(r1, "x");
    AwSet before = s.copy();

    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> s.add(r1, List.of("y")));
    assertThrows(IllegalArgumentException.class, () -> s.add(r1, Double.NaN));

    assertTrue(e.getMessage().contains("not a scalar"), e.getMessage());
    assertEquals(before, s);
  }

  @Test
  void join_duplicatesAndReorders_converge() {
    AwSet s1 = new AwSet();
    AwSet s2 = new AwSet();
    AwSet d1 = s1.add(r1, "a");
    AwSet d2 = s2.add(r2, "b");
    AwSet d3 = s1.remove(r1, "a");

    AwSet all = joinInEveryOrder(new AwSet(), List.of(d1, d2, d3, d1, d2));

    assertEquals(List.of("b"), all.elements());
    assertEquals(all, joined(s1, s2));
  }

  @Test
  void deltaSince_replicaMissedRemoval_removesIt() {
    AwSet s1 = new AwSet();
    AwSet s2 = new AwSet();
    s2.join(s1.add(r1, "x"));
    s2.join(s1.add(r1, "y"));
    s1.remove(r1, "x"); // s2 misses this delta
    assertDeltaSinceLaw(s1, s2);

    AwSet delta = s1.deltaSince(s2.context());
    s2.join(delta);

    assertEquals(List.of("y"), s2.elements());
    assertEquals(s1, s2);
  }

  @Test
  void deltaSince_law_concurrentStates() {
    AwSet s1 = new AwSet();
    AwSet s2 = new AwSet();
    AwSet shared = s1.add(r1, "x");
    s2.join(shared);
    s2.join(s1.add(r1, "y"));
    s1.remove(r1, "x");
    s1.add(r1, "z");
    s2.add(r2, "x");
    s2.remove(r2, "y");
    s2.add(r2, "w");

    assertDeltaSinceLaw(s1, s2);
    assertDeltaSinceLaw(s2, s1);
    assertDeltaSinceLaw(s1, new AwSet());
    assertDeltaSinceLaw(new AwSet(), s1);
  }

  @Test
  void deltaSince_upToDate_isEmpty() {
    AwSet s1 = new AwSet();
    s1.add(r1, "x");

    AwSet delta = s1.deltaSince(s1.context());

    assertTrue(delta.isEmpty());
    assertTrue(delta.context().isEmpty());
  }
}
