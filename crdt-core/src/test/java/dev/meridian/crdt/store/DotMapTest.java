package dev.meridian.crdt.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.meridian.crdt.ReplicaId;
import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.clock.Dot;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DotMapTest {
  private static final ReplicaId A = ReplicaId.of(1);

  private static Dot a(long n) {
    return new Dot(A, n);
  }

  /** {x: {a1}, y: {a2}} seen {a1, a2}. */
  private static DotMap<String> xy() {
    DotMap<String> m = new DotMap<>();
    m.put("x", DotSet.of(a(1)));
    m.put("y", DotSet.of(a(2)));
    return m;
  }

  @SuppressWarnings("unchecked")
  private static DotMap<String> inner(DotMap<String> m) {
    return (DotMap<String>) m.get("outer");
  }

  @Test
  void join_unkeyedState_removesSeenDotsUnderAbsentKeys() {
    DotMap<String> m = xy();
    DotMap<String> other = new DotMap<>();
    other.put("y", DotSet.of(a(2)));

    m.join(CausalContext.of(a(1), a(2)), other, CausalContext.of(a(1), a(2)), false, false);

    assertEquals(Set.of("y"), m.keySet());
  }

  @Test
  void join_keyedDelta_leavesAbsentKeysAlone() {
    // A keyed delta's context may hold dots of keys it does not name: not a removal of them.
    DotMap<String> m = xy();
    DotMap<String> delta = new DotMap<>();
    delta.put("z", DotSet.of(a(3)));

    m.join(CausalContext.of(a(1), a(2)), delta, CausalContext.of(a(1), a(2), a(3)), true, false);

    assertEquals(Set.of("x", "y", "z"), m.keySet());
  }

  @Test
  void join_keyedDeltaNamingEmptyKey_removesItsSeenDots() {
    DotMap<String> m = xy();
    DotMap<String> delta = new DotMap<>();
    delta.put("x", new DotSet());

    m.join(CausalContext.of(a(1), a(2)), delta, CausalContext.of(a(1), a(3)), true, false);

    assertEquals(Set.of("y"), m.keySet());
  }

  @Test
  void join_keepEmpty_keepsEmptiedKeys() {
    DotMap<String> m = xy();
    DotMap<String> delta = new DotMap<>();
    delta.put("x", new DotSet());

    m.join(CausalContext.of(a(1), a(2)), delta, CausalContext.of(a(1)), true, true);

    assertEquals(Set.of("x", "y"), m.keySet());
    assertTrue(m.get("x").isEmpty());
    m.dropEmpty();
    assertEquals(Set.of("y"), m.keySet());
  }

  @Test
  void join_nestedMaps_recurse() {
    DotMap<String> m = new DotMap<>();
    m.put("outer", xy());
    DotMap<String> otherInner = new DotMap<>();
    otherInner.put("x", DotSet.of(a(1)));
    DotMap<String> other = new DotMap<>();
    other.put("outer", otherInner);

    m.join(CausalContext.of(a(1), a(2)), other, CausalContext.of(a(1), a(2)), false, false);

    assertEquals(Set.of("x"), ((DotMap<?>) m.get("outer")).keySet());
  }

  @Test
  void isEmpty_onlyEmptyEntries_isEmpty() {
    DotMap<String> m = new DotMap<>();
    m.put("x", new DotSet());
    DotMap<String> nested = new DotMap<>();
    nested.put("y", new DotSet());
    m.put("n", nested);

    assertTrue(m.isEmpty());
    assertEquals(2, m.size());
  }

  @Test
  void copyOutside_dropsOrKeepsEmptiedEntries() {
    DotMap<String> m = new DotMap<>();
    m.put("outer", xy());
    CausalContext exclude = CausalContext.of(a(1));

    DotMap<String> dropped = m.copyOutside(exclude, false);
    DotMap<String> kept = m.copyOutside(exclude, true);

    assertEquals(Set.of("y"), inner(dropped).keySet());
    assertEquals(Set.of("x", "y"), inner(kept).keySet());
    assertTrue(inner(kept).get("x").isEmpty());
    assertEquals(List.of(a(1)), ((DotSet) inner(m).get("x")).dots(), "source unchanged");
  }

  @Test
  void removeIn_dropsEmptiedKeys() {
    DotMap<String> m = xy();

    m.removeIn(CausalContext.of(a(2)));

    assertEquals(Set.of("x"), m.keySet());
    assertNull(m.get("y"));
    assertFalse(m.isEmpty());
  }
}
