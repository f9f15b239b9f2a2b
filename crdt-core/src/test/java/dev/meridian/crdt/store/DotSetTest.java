package dev.meridian.crdt.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.meridian.crdt.ReplicaId;
import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.clock.Dot;
import java.util.List;
import org.junit.jupiter.api.Test;

class DotSetTest {
  private static final ReplicaId A = ReplicaId.of(1);
  private static final ReplicaId B = ReplicaId.of(2);

  private static Dot a(long n) {
    return new Dot(A, n);
  }

  private static Dot b(long n) {
    return new Dot(B, n);
  }

  @Test
  void join_keepsCommonAndUnseen_dropsSeenAndAbsent() {
    // s = {a1, a2, b1} seen c = {a1..a2, b1}; s' = {a2, b2} seen c' = {a1..a2, b1..b2}
    DotSet s = DotSet.of(a(1), a(2), b(1));
    CausalContext c = CausalContext.of(a(1), a(2), b(1));
    DotSet other = DotSet.of(a(2), b(2));
    CausalContext otherContext = CausalContext.of(a(1), a(2), b(1), b(2));

    s.join(c, other, otherContext, false, false);

    // a1 and b1 were removed by the other side; a2 is common; b2 is new here.
    assertEquals(List.of(a(2), b(2)), s.dots());
  }

  @Test
  void join_otherHasNotSeenMyDots_keepsThem() {
    DotSet s = DotSet.of(a(1));
    DotSet other = DotSet.of(b(1));

    s.join(CausalContext.of(a(1)), other, CausalContext.of(b(1)), false, false);

    assertEquals(List.of(a(1), b(1)), s.dots());
  }

  @Test
  void join_dotIRemoved_notReadded() {
    DotSet s = new DotSet();
    DotSet other = DotSet.of(a(1));

    s.join(CausalContext.of(a(1), a(2)), other, CausalContext.of(a(1)), false, false);

    assertTrue(s.isEmpty());
  }

  @Test
  void join_otherKind_throws() {
    DotSet s = new DotSet();

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> s.join(new CausalContext(), new DotFun<Long>(), new CausalContext(), false, false));
    assertTrue(e.getMessage().contains("cannot join a dot set"), e.getMessage());
  }

  @Test
  void copyOutside_andRemoveIn() {
    DotSet s = DotSet.of(a(1), a(2), b(1));

    assertEquals(List.of(a(2)), s.copyOutside(CausalContext.of(a(1), b(1)), false).dots());
    assertEquals(s, s.copy());
    s.removeIn(CausalContext.of(a(2)));
    assertEquals(List.of(a(1), b(1)), s.dots());
  }

  @Test
  void equals_ignoresInsertionOrder() {
    assertEquals(DotSet.of(a(1), b(1)), DotSet.of(b(1), a(1)));
    assertEquals(DotSet.of(a(1), b(1)).hashCode(), DotSet.of(b(1), a(1)).hashCode());
    assertNotEquals(DotSet.of(a(1)), DotSet.of(a(1), b(1)));
    assertEquals(DotSet.of(a(1)), DotSet.of(a(1), a(1)));
  }
}
