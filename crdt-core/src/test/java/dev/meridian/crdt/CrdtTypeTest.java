package dev.meridian.crdt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class CrdtTypeTest {
  @Test
  void tag_isStable() {
    // Tags are on the wire: never renumber them.
    assertEquals(1, CrdtType.REGISTER.tag());
    assertEquals(2, CrdtType.COUNTER.tag());
    assertEquals(3, CrdtType.FLAG.tag());
    assertEquals(4, CrdtType.SET.tag());
    assertEquals(5, CrdtType.MAP.tag());
    assertEquals(6, CrdtType.LIST.tag());
    assertEquals(7, CrdtType.TEXT.tag());
  }

  @Test
  void ofTag_roundTripsAndUnknownIsNull() {
    for (CrdtType t : CrdtType.values()) {
      assertEquals(t, CrdtType.ofTag(t.tag()));
    }
    assertNull(CrdtType.ofTag(0));
    assertNull(CrdtType.ofTag(8));
    assertNull(CrdtType.ofTag(-1));
  }
}
