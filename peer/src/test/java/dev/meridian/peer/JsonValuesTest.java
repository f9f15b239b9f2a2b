package dev.meridian.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonValuesTest {

  @Test
  void integersAreExactLongs_fractionsAndExponentsAreDoubles() {
    assertEquals(Long.MAX_VALUE, JsonValues.parse("9223372036854775807"));
    assertEquals(Long.MIN_VALUE, JsonValues.parse("-9223372036854775808"));
    assertEquals(1.5, JsonValues.parse("1.5"));
    assertEquals(1000.0, JsonValues.parse("1e3"));
    assertEquals(Map.of("a", List.of(1L, "x", true)), JsonValues.parse("{\"a\":[1,\"x\",true]}"));
  }

  @Test
  void integersOutsideTheLongRange_areRefused_notRounded() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> JsonValues.parse("9223372036854775808"));
    assertTrue(e.getMessage().contains("outside the 64-bit range"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> JsonValues.parse("[1, -99999999999999999999]"));
    assertThrows(IllegalArgumentException.class, () -> JsonValues.parse("1e400"));
  }

  @Test
  void malformedJson_isRefused() {
    for (String bad : List.of("", "{", "'x'", "[1,]", "1 2", "NaN", "{\"a\":1,}")) {
      assertThrows(IllegalArgumentException.class, () -> JsonValues.parse(bad), bad);
    }
  }
}
