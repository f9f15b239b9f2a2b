package dev.meridian.crdt.clock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.collect.ImmutableSortedSet;
import com.google.common.testing.EqualsTester;
import com.google.common.testing.NullPointerTester;
import dev.meridian.crdt.ReplicaId;
import java.util.List;
import org.junit.jupiter.api.Test;

class DotTest {
  @Test
  void new_counterBelowOne_throws() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new Dot(ReplicaId.of(1), 0));
    assertTrue(e.getMessage().contains("at least 1"), e.getMessage());
  }

  @Test
  void new_nullReplica_throws() {
    new NullPointerTester()
        .setDefault(ReplicaId.class, ReplicaId.of(1))
        .setDefault(long.class, 1L)
        .testAllPublicConstructors(Dot.class);
  }

  @Test
  void compareTo_replicaUnsignedThenCounter() {
    Dot low = new Dot(ReplicaId.of(1), 9);
    Dot mid = new Dot(ReplicaId.of(2), 1);
    Dot mid2 = new Dot(ReplicaId.of(2), 2);
    Dot high = new Dot(ReplicaId.of(-1), 1); // 0xffff... is the largest unsigned id

    assertEquals(List.of(low, mid, mid2, high), List.copyOf(ImmutableSortedSet.of(high, mid2, low, mid)));
  }

  @Test
  void equals_byReplicaAndCounter() {
    new EqualsTester()
        .addEqualityGroup(new Dot(ReplicaId.of(1), 1), new Dot(ReplicaId.of(1), 1))
        .addEqualityGroup(new Dot(ReplicaId.of(1), 2))
        .addEqualityGroup(new Dot(ReplicaId.of(2), 1))
        .testEquals();
  }

  @Test
  void toString_replicaColonCounter() {
    assertEquals("00000000000000ab:7", new Dot(ReplicaId.of(0xab), 7).toString());
  }
}
