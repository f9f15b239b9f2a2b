package dev.meridian.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.meridian.crdt.counter.Counter;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OpGeneratorTest {
  private static OpGenerator<Counter> constant(String name) {
    Op<Counter> op = Op.of(name, (c, r) -> c.increment(r, 1));
    return random -> op;
  }

  @Test
  void oneOf_drawsFromEveryGenerator() {
    OpGenerator<Counter> g = OpGenerator.oneOf(constant("a"), constant("b"), constant("c"));
    Random random = new Random(1);
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 100; i++) {
      seen.add(g.next(random).description());
    }
    assertEquals(Set.of("a", "b", "c"), seen);
  }

  @Test
  void oneOf_refusesNoGenerators() {
    assertThrows(IllegalArgumentException.class, () -> OpGenerator.<Counter>oneOf());
  }
}
