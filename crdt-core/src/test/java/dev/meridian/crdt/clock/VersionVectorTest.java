package dev.meridian.crdt.clock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.collect.ImmutableMap;
import com.google.common.testing.EqualsTester;
import com.google.common.testing.NullPointerTester;
import dev.meridian.crdt.ReplicaId;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class VersionVectorTest {
  private static final ReplicaId A = ReplicaId.of(1);
  private static final ReplicaId B = ReplicaId.of(2);
  private static final ReplicaId C = ReplicaId.of(3);

  private static VersionVector vv(long a, long b) {
    Map<ReplicaId, Long> m = new HashMap<>();
    m.put(A, a);
    m.put(B, b);
    return VersionVector.of(m);
  }

  @Test
  void compare_same() {
    assertEquals(Order.SAME, vv(2, 3).compare(vv(2, 3)));
    assertEquals(Order.SAME, VersionVector.empty().compare(vv(0, 0)));
  }

  @Test
  void compare_before() {
    assertEquals(Order.BEFORE, vv(2, 3).compare(vv(2, 4)));
    assertEquals(Order.BEFORE, vv(2, 0).compare(vv(2, 1)));
    assertEquals(Order.BEFORE, VersionVector.empty().compare(vv(1, 0)));
  }

  @Test
  void compare_after() {
    assertEquals(Order.AFTER, vv(3, 3).compare(vv(2, 3)));
    assertEquals(Order.AFTER, vv(1, 1).compare(vv(1, 0)));
    assertEquals(Order.AFTER, vv(1, 0).compare(VersionVector.empty()));
  }

  @Test
  void compare_concurrent() {
    assertEquals(Order.CONCURRENT, vv(3, 1).compare(vv(2, 3)));
    assertEquals(Order.CONCURRENT, vv(1, 0).compare(vv(0, 1)));
    assertEquals(
        Order.CONCURRENT,
        vv(5, 5).compare(VersionVector.of(ImmutableMap.of(A, 5L, C, 1L))));
  }

  @Test
  void of_dropsZeroEntries() {
    VersionVector v = vv(0, 4);

    assertEquals(ImmutableMap.of(B, 4L), v.asMap());
    assertEquals(0, v.get(A));
    assertEquals(4, v.get(B));
    assertEquals(0, v.get(C));
  }

  @Test
  void of_negativeEntry_throws() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> VersionVector.of(ImmutableMap.of(A, -1L)));
    assertTrue(e.getMessage().contains("negative"), e.getMessage());
  }

  @Test
  void merge_isEntrywiseMax() {
    VersionVector m = vv(3, 1).merge(VersionVector.of(ImmutableMap.of(B, 2L, C, 7L)));

    assertEquals(ImmutableMap.of(A, 3L, B, 2L, C, 7L), m.asMap());
    assertEquals(Order.AFTER, m.compare(vv(3, 1)));
  }

  @Test
  void equals_ignoresZeroEntries() {
    new EqualsTester()
        .addEqualityGroup(VersionVector.empty(), vv(0, 0), VersionVector.of(ImmutableMap.of()))
        .addEqualityGroup(vv(1, 0), VersionVector.of(ImmutableMap.of(A, 1L)))
        .addEqualityGroup(vv(1, 2), vv(0, 2).merge(vv(1, 0)))
        .addEqualityGroup(vv(2, 1))
        .testEquals();
  }

  @Test
  void staticFactories_rejectNull() {
    new NullPointerTester().testAllPublicStaticMethods(VersionVector.class);
  }
}
