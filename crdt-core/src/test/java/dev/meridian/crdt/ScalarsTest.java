package dev.meridian.crdt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScalarsTest {
  @Test
  void normalize_widensNumbers() {
    assertEquals(5L, Scalars.normalize(5));
    assertEquals(5L, Scalars.normalize((short) 5));
    assertEquals(5L, Scalars.normalize((byte) 5));
    assertEquals(1.5, Scalars.normalize(1.5f));
    assertEquals("s", Scalars.normalize("s"));
    assertEquals(true, Scalars.normalize(true));
    assertNull(Scalars.normalize(null));
  }

  @Test
  void normalize_nonScalar_throws() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Scalars.normalize(BigDecimal.ONE));
    assertTrue(e.getMessage().contains("java.math.BigDecimal"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Scalars.normalize('c'));
    assertThrows(IllegalArgumentException.class, () -> Scalars.normalize(Double.NaN));
    assertThrows(IllegalArgumentException.class, () -> Scalars.normalize(Float.NEGATIVE_INFINITY));
  }

  @Test
  void order_nullBooleansLongsDoublesStrings() {
    List<Object> l = new ArrayList<>(Arrays.asList("b", 0.5, 9L, true, null, -3L, "a", false, 100.0));

    l.sort(Scalars.ORDER);

    assertEquals(Arrays.asList(null, false, true, -3L, 9L, 0.5, 100.0, "a", "b"), l);
  }
}
