package dev.meridian.crdt.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.meridian.crdt.ReplicaId;
import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.clock.Dot;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DotFunTest {
  private static final ReplicaId A = ReplicaId.of(1);
  private static final ReplicaId B = ReplicaId.of(2);

  private static DotFun<String> fun(Object... dotsAndValues) {
    DotFun<String> f = new DotFun<>();
    for (int i = 0; i < dotsAndValues.length; i += 2) {
      f.put((Dot) dotsAndValues[i], (String) dotsAndValues[i + 1]);
    }
    return f;
  }

  @Test
  void join_carriesValuesOfUnseenDots_dropsRemoved() {
    Dot a1 = new Dot(A, 1);
    Dot a2 = new Dot(A, 2);
    Dot b1 = new Dot(B, 1);
    DotFun<String> f = fun(a1, "x", b1, "y");
    DotFun<String> other = fun(a2, "z", b1, "y");

    f.join(CausalContext.of(a1, b1), other, CausalContext.of(a1, a2, b1), false, false);

    assertEquals(List.of(Map.entry(a2, "z"), Map.entry(b1, "y")), f.entries());
    assertNull(f.get(a1));
  }

  @Test
  void put_sameDot_replacesValue() {
    Dot a1 = new Dot(A, 1);
    DotFun<String> f = fun(a1, "x");

    f.put(a1, "y");

    assertEquals(1, f.size());
    assertEquals("y", f.get(a1));
  }

  @Test
  void put_null_throws() {
    assertThrows(NullPointerException.class, () -> new DotFun<String>().put(new Dot(A, 1), null));
  }

  @Test
  void remove_andRemoveIn() {
    Dot a1 = new Dot(A, 1);
    Dot a2 = new Dot(A, 2);
    Dot b1 = new Dot(B, 1);
    DotFun<String> f = fun(a1, "x", a2, "y", b1, "z");

    f.remove(a2);
    f.removeIn(CausalContext.of(b1));

    assertEquals(List.of(Map.entry(a1, "x")), f.entries());
  }

  @Test
  void equals_ignoresOrderButNotValues() {
    Dot a1 = new Dot(A, 1);
    Dot b1 = new Dot(B, 1);

    assertEquals(fun(a1, "x", b1, "y"), fun(b1, "y", a1, "x"));
    assertEquals(fun(a1, "x", b1, "y").hashCode(), fun(b1, "y", a1, "x").hashCode());
    assertNotEquals(fun(a1, "x"), fun(a1, "y"));
    assertEquals(fun(a1, "x", b1, "y"), fun(a1, "x", b1, "y").copy());
  }
}
