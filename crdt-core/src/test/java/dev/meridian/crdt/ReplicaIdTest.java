package dev.meridian.crdt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.testing.EqualsTester;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ReplicaIdTest {
  @Test
  void toString_sixteenHexDigits() {
    assertEquals("00000000000000ff", ReplicaId.of(255).toString());
    assertEquals("ffffffffffffffff", ReplicaId.of(-1).toString());
  }

  @Test
  void parse_roundTripsToString() {
    for (long v : new long[] {0, 1, 255, Long.MAX_VALUE, Long.MIN_VALUE, -1, 0x1234_5678_9abc_def0L}) {
      ReplicaId id = ReplicaId.of(v);
      assertEquals(id, ReplicaId.parse(id.toString()));
    }
    assertEquals(ReplicaId.of(0xab), ReplicaId.parse("AB"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "xyz", "12345678901234567", "-1", "+1", " 1", "\uff11", "0x1"})
  void parse_bad_throws(String text) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ReplicaId.parse(text));
    assertTrue(e.getMessage().contains("1 to 16 hex digits"), e.getMessage());
  }

  @Test
  void parse_null_throwsIllegalArgument() {
    assertThrows(IllegalArgumentException.class, () -> ReplicaId.parse(null));
  }

  @Test
  void compareTo_unsigned() {
    assertTrue(ReplicaId.of(1).compareTo(ReplicaId.of(2)) < 0);
    assertTrue(ReplicaId.of(Long.MAX_VALUE).compareTo(ReplicaId.of(Long.MIN_VALUE)) < 0);
    assertTrue(ReplicaId.of(-1).compareTo(ReplicaId.of(0)) > 0);
    assertEquals(0, ReplicaId.of(7).compareTo(ReplicaId.of(7)));
  }

  @Test
  void random_differs() {
    assertNotEquals(ReplicaId.random(), ReplicaId.random());
  }

  @Test
  void equals_byValue() {
    new EqualsTester()
        .addEqualityGroup(ReplicaId.of(1), ReplicaId.of(1), ReplicaId.parse("1"))
        .addEqualityGroup(ReplicaId.of(2))
        .addEqualityGroup(ReplicaId.of(-1), ReplicaId.parse("ffffffffffffffff"))
        .testEquals();
  }
}
