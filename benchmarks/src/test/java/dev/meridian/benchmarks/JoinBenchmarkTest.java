package dev.meridian.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.meridian.crdt.doc.Conflict;
import dev.meridian.crdt.doc.Document;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Runs each operation of {@link JoinBenchmark} once and checks what it did. */
class JoinBenchmarkTest {
  private static final int KEYS = 1000;

  private static JoinBenchmark benchmark() {
    JoinBenchmark b = new JoinBenchmark();
    b.keys = KEYS;
    b.setUp();
    return b;
  }

  @Test
  void copy_equalsTheOriginal() {
    JoinBenchmark b = benchmark();
    Document copy = b.copy();
    assertNotSame(b.left, copy);
    assertEquals(b.left, copy);
  }

  @Test
  void copyAndJoin_holdsBothSidesKeysAndLeavesTheOriginal() {
    JoinBenchmark b = benchmark();
    Document joined = b.copyAndJoin();
    int all = KEYS / 2 + KEYS;
    assertEquals(2 * all, joined.asMap().size(), "register and counter keys of both sides");
    assertEquals("name-0", joined.get("k0.name"));
    assertEquals("name-" + (all - 1), joined.get("k" + (all - 1) + ".name"));
    assertEquals(1L, joined.get("c0"));
    assertEquals(2L, joined.get("c" + KEYS / 2), "both replicas' increments count");
    List<Conflict> conflicts = joined.conflicts();
    assertEquals(KEYS / 2, conflicts.size(), "one register conflict per overlapping key");
    assertEquals(2 * KEYS, b.left.asMap().size(), "the original is untouched");
  }

  @Test
  void join_matchesCopyAndJoin() {
    JoinBenchmark b = benchmark();
    JoinBenchmark.FreshCopy fresh = new JoinBenchmark.FreshCopy();
    fresh.copy(b);
    assertEquals(b.copyAndJoin(), b.join(fresh));
  }

  @Test
  void writeAndApplyDelta_keepsTheTargetEqualToTheWriter() {
    JoinBenchmark b = benchmark();
    String path = b.paths[0];
    for (int i = 0; i < 100; i++) {
      b.writeAndApplyDelta();
    }
    assertEquals("Paris", b.target.get(path));
    assertEquals(b.writer, b.target);
    assertEquals(2 * (KEYS / 2 + KEYS), b.target.asMap().size(), "overwrites do not grow it");
  }

  @Test
  void writeDelta_returnsAKeyedDeltaOfOneRegister() {
    JoinBenchmark b = benchmark();
    String path = b.paths[0];
    Document delta = b.writeDelta();
    assertEquals("Paris", delta.get(path));
    assertEquals(1, delta.asMap().size());
    assertTrue(delta.map().isKeyed());
  }
}
