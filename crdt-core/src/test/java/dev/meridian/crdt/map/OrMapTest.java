package dev.meridian.crdt.map;

import static dev.meridian.crdt.Sites.assertDeltaSinceLaw;
import static dev.meridian.crdt.Sites.joinInEveryOrder;
import static dev.meridian.crdt.Sites.replica;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.meridian.crdt.CrdtType;
import dev.meridian.crdt.Replica;
import dev.meridian.crdt.counter.Counter;
import dev.meridian.crdt.register.MvRegister;
import dev.meridian.crdt.register.RegisterEntry;
import dev.meridian.crdt.set.AwSet;
import dev.meridian.crdt.store.DotFun;
import dev.meridian.crdt.store.DotMap;
import dev.meridian.crdt.store.DotSet;
import dev.meridian.crdt.store.DotStore;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class OrMapTest {
  private final Replica r1 = replica(1);
  private final Replica r2 = replica(2);

  @SuppressWarnings("unchecked")
  private static OrMap set(OrMap m, Replica r, List<String> path, Object value) {
    return m.update(r, path, CrdtType.REGISTER,
        (cur, dot, ctx) -> MvRegister.setDelta((DotFun<RegisterEntry>) cur, r, dot, value, ctx));
  }

  @SuppressWarnings("unchecked")
  private static OrMap increment(OrMap m, Replica r, List<String> path, long amount) {
    return m.update(r, path, CrdtType.COUNTER,
        (cur, dot, ctx) -> Counter.incrementDelta((DotFun<Long>) cur, dot, amount, ctx));
  }

  @SuppressWarnings("unchecked")
  private static OrMap addElement(OrMap m, Replica r, List<String> path, Object element) {
    return m.update(r, path, CrdtType.SET,
        (cur, dot, ctx) -> AwSet.addDelta((DotMap<Object>) cur, element, dot, ctx));
  }

  @SuppressWarnings("unchecked")
  private static Object register(OrMap m, List<String> path) {
    RegisterEntry e = MvRegister.pick((DotFun<RegisterEntry>) m.find(path, CrdtType.REGISTER));
    return e == null ? null : e.value();
  }

  @Test
  void update_nestedPath_createsMaps() {
    OrMap m = new OrMap();

    set(m, r1, List.of("a", "b", "c"), "v");

    assertEquals("v", register(m, List.of("a", "b", "c")));
    assertNotNull(m.mapAt(List.of("a", "b")));
    assertEquals(new TreeSet<>(Set.of("a")), OrMap.namesOf(m.mapAt(List.of())));
    assertNull(m.find(List.of("a", "b", "c"), CrdtType.COUNTER));
  }

  @Test
  void update_emptyPath_throws() {
    OrMap m = new OrMap();

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> set(m, r1, List.of(), 1));
    assertThrows(IllegalArgumentException.class, () -> m.remove(r1, List.of(), null));
    assertTrue(e.getMessage().contains("empty"), e.getMessage());
  }

  @Test
  void update_mutationReturnsWrongStore_throwsAndChangesNothing() {
    OrMap m = new OrMap();
    set(m, r1, List.of("x"), 1);
    OrMap before = m.copy();

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> m.update(r1, List.of("y"), CrdtType.COUNTER, (cur, dot, ctx) -> DotSet.of(dot)));

    assertTrue(e.getMessage().contains("mutation for a counter returned a DotSet"), e.getMessage());
    assertEquals(before, m);
  }

  @Test
  void update_concurrentDifferentTypesUnderOneName_bothSurvive() {
    OrMap m1 = new OrMap();
    OrMap m2 = new OrMap();

    OrMap d1 = set(m1, r1, List.of("k"), "text");
    OrMap d2 = increment(m2, r2, List.of("k"), 3);
    m1.join(d2);
    m2.join(d1);

    assertEquals(m1, m2);
    assertEquals(new TreeSet<>(Set.of(CrdtType.REGISTER, CrdtType.COUNTER)), OrMap.typesOf(m1.store(), "k"));
    assertEquals("text", register(m1, List.of("k")));
  }

  @Test
  void remove_nestedMapConcurrentWithUpdateBelow_updateSurvivesRestGone() {
    OrMap m1 = new OrMap();
    OrMap m2 = new OrMap();
    OrMap b = set(m1, r1, List.of("a", "b"), "old-b");
    OrMap c = set(m1, r1, List.of("a", "c"), "old-c");
    m2.join(b);
    m2.join(c);

    OrMap removed = m1.remove(r1, List.of("a"), null);
    OrMap updated = set(m2, r2, List.of("a", "b"), "new-b");
    assertNull(m1.mapAt(List.of("a")), "the remover no longer sees a");
    m1.join(updated);
    m2.join(removed);

    assertEquals(m1, m2);
    assertEquals("new-b", register(m1, List.of("a", "b")));
    assertNull(m1.find(List.of("a", "c"), CrdtType.REGISTER));
    assertEquals(new TreeSet<>(Set.of("b")), OrMap.namesOf(m1.mapAt(List.of("a"))));
    assertEquals(m1, joinInEveryOrder(new OrMap(), List.of(b, c, removed, updated)));
  }

  @Test
  void remove_setKey_removesObservedElements() {
    OrMap m1 = new OrMap();
    OrMap m2 = new OrMap();
    m2.join(addElement(m1, r1, List.of("tags"), "x"));
    m2.join(addElement(m1, r1, List.of("tags"), "y"));

    OrMap removed = m1.remove(r1, List.of("tags"), CrdtType.SET);
    m2.join(removed);

    assertNull(m1.find(List.of("tags"), CrdtType.SET));
    assertEquals(m1, m2);
    assertTrue(m2.isEmpty());
  }

  @Test
  void remove_oneType_leavesTheOther() {
    OrMap m1 = new OrMap();
    OrMap m2 = new OrMap();
    OrMap d1 = set(m1, r1, List.of("k"), "text");
    OrMap d2 = increment(m2, r2, List.of("k"), 3);
    m1.join(d2);

    OrMap removed = m1.remove(r1, List.of("k"), CrdtType.REGISTER);
    m2.join(d1);
    m2.join(removed);

    assertEquals(m1, m2);
    assertEquals(new TreeSet<>(Set.of(CrdtType.COUNTER)), OrMap.typesOf(m2.store(), "k"));
  }

  @Test
  void remove_absentKey_mintsAnEventAndChangesNoValue() {
    OrMap m = new OrMap();
    set(m, r1, List.of("x"), 1);
    DotMap<TypedKey> storeBefore = m.copy().store();

    OrMap delta = m.remove(r1, List.of("nope", "deeper"), null);

    assertEquals(storeBefore, m.store());
    assertTrue(delta.isEmpty());
    assertTrue(delta.context().dotCount() > 0);
  }

  @Test
  void deltaSince_replicaMissedKeyRemoval_removesIt() {
    OrMap m1 = new OrMap();
    OrMap m2 = new OrMap();
    m2.join(set(m1, r1, List.of("a", "b"), 1));
    m2.join(addElement(m1, r1, List.of("s"), "e"));
    m2.join(set(m1, r1, List.of("keep"), 2));
    m1.remove(r1, List.of("a"), null); // m2 misses these deltas
    m1.remove(r1, List.of("s"), null);
    assertDeltaSinceLaw(m1, m2);

    m2.join(m1.deltaSince(m2.context()));

    assertEquals(m1, m2);
    assertNull(m2.mapAt(List.of("a")));
    assertNull(m2.find(List.of("s"), CrdtType.SET));
    assertEquals(2L, register(m2, List.of("keep")));
  }

  @Test
  void deltaSince_law_concurrentNestedChanges() {
    OrMap m1 = new OrMap();
    OrMap m2 = new OrMap();
    m2.join(set(m1, r1, List.of("a", "b"), 1));
    m2.join(set(m1, r1, List.of("a", "c"), 1));
    m2.join(increment(m1, r1, List.of("n"), 5));
    m1.remove(r1, List.of("a"), null);
    increment(m1, r1, List.of("n"), 1);
    set(m2, r2, List.of("a", "b"), 2);
    addElement(m2, r2, List.of("a", "s"), "e");
    increment(m2, r2, List.of("n"), 10);

    assertDeltaSinceLaw(m1, m2);
    assertDeltaSinceLaw(m2, m1);
    assertDeltaSinceLaw(m1, new OrMap());
    assertDeltaSinceLaw(new OrMap(), m2);
  }

  @Test
  void emptyStore_matchesTypes() {
    assertTrue(OrMap.emptyStore(CrdtType.REGISTER) instanceof DotFun);
    assertTrue(OrMap.emptyStore(CrdtType.COUNTER) instanceof DotFun);
    assertTrue(OrMap.emptyStore(CrdtType.FLAG) instanceof DotSet);
    assertTrue(OrMap.emptyStore(CrdtType.SET) instanceof DotMap);
    DotStore map = OrMap.emptyStore(CrdtType.MAP);
    assertTrue(map instanceof DotMap && map.isEmpty());
  }
}
