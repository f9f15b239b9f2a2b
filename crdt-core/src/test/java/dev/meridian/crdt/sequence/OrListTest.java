package dev.meridian.crdt.sequence;

import static dev.meridian.crdt.Sites.assertDeltaSinceLaw;
import static dev.meridian.crdt.Sites.joinInEveryOrder;
import static dev.meridian.crdt.Sites.replica;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.meridian.crdt.Replica;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OrListTest {
  private final Replica r1 = replica(1);
  private final Replica r2 = replica(2);

  private static OrList[] shared(OrList seed) {
    OrList a = seed;
    OrList b = new OrList();
    b.join(a.deltaSince(b.context()));
    assertEquals(a, b);
    return new OrList[] {a, b};
  }

  @Test
  void insert_scalarsAndMaps_readBackInOrder() {
    OrList l = new OrList();
    l.insert(r1, 0, "b");
    l.insert(r1, 0, "a");
    l.insert(r1, 2, Map.of("k", 1));
    l.insert(r1, 3, List.of("x", "y"));
    assertEquals(List.of("a", "b", Map.of("k", 1L), List.of("x", "y")), l.value());
    assertEquals(4, l.size());
    assertEquals("b", l.get(1));
  }

  @Test
  void delete_mapElementConcurrentWithAFieldWrite_theWriteSurvives() {
    OrList seed = new OrList();
    seed.insert(r1, 0, Map.of("title", "milk", "done", false));
    OrList[] l = shared(seed);
    OrList base = l[0].copy();

    OrList removed = l[0].delete(r1, 0, 1);
    OrList edited = l[1].setField(r2, 0, "done", true);
    l[0].join(edited);
    l[1].join(removed);

    assertEquals(l[0], l[1]);
    assertEquals(List.of(Map.of("done", true)), l[0].value());
    assertEquals(l[0], joinInEveryOrder(base, List.of(removed, edited)));
  }

  @Test
  void delete_registerElementConcurrentWithASet_theSetSurvives() {
    OrList seed = new OrList();
    seed.insert(r1, 0, "x");
    seed.insert(r1, 1, "y");
    OrList[] l = shared(seed);

    OrList removed = l[0].delete(r1, 0, 2);
    OrList set = l[1].set(r2, 1, "z");
    l[0].join(set);
    l[1].join(removed);

    assertEquals(l[0], l[1]);
    assertEquals(List.of("z"), l[0].value());
  }

  @Test
  void set_concurrentWrites_allKeptOnePicked() {
    OrList seed = new OrList();
    seed.insert(r1, 0, 0);
    OrList[] l = shared(seed);
    OrList w1 = l[0].set(r1, 0, 1);
    OrList w2 = l[1].set(r2, 0, 2);
    l[0].join(w2);
    l[1].join(w1);
    assertEquals(l[0], l[1]);
    assertEquals(l[0].get(0), l[1].get(0));
    assertTrue(List.of(1L, 2L).contains(l[0].get(0)));
  }

  @Test
  void deltaSince_carriesElementRemovals() {
    OrList seed = new OrList();
    seed.insert(r1, 0, Map.of("a", 1));
    seed.insert(r1, 1, "x");
    OrList[] l = shared(seed);
    l[0].setField(r1, 0, "a", 5);
    l[0].delete(r1, 1, 1);
    l[0].insert(r1, 0, "y");
    assertDeltaSinceLaw(l[0], l[1]);
    l[1].join(l[0].deltaSince(l[1].context()));
    assertEquals(l[0], l[1]);
    assertEquals(List.of("y", Map.of("a", 5L)), l[1].value());
  }

  @Test
  void writes_ofTheWrongKind_areRefused() {
    OrList l = new OrList();
    l.insert(r1, 0, "x");
    l.insert(r1, 1, Map.of("f", 1));
    OrList before = l.copy();
    assertThrows(IllegalArgumentException.class, () -> l.setField(r1, 0, "f", 1));
    assertThrows(IllegalArgumentException.class, () -> l.set(r1, 1, 1));
    assertThrows(IndexOutOfBoundsException.class, () -> l.insert(r1, 3, 1));
    assertThrows(IndexOutOfBoundsException.class, () -> l.set(r1, 2, 1));
    assertThrows(IllegalArgumentException.class, () -> l.delete(r1, 1, 2));
    assertThrows(IllegalArgumentException.class, () -> l.insert(r1, 0, new Object()));
    assertEquals(before, l);
  }
}
