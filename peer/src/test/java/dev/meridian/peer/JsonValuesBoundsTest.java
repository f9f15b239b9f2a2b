package dev.meridian.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/** JSON input is bounded, and every error message is ours (no JSON library's text). */
class JsonValuesBoundsTest {
  @Test
  void parse_tenMegabyteNumber_isRefusedBeforeParsingIt() {
    String number = "1".repeat(10_000_000);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> JsonValues.parse(number));
    assertEquals("JSON value of 10,000,000 characters; at most 1,048,576 are accepted",
        e.getMessage());
  }

  @Test
  void parse_numberLongerThan64Characters_isRefused_64Accepted() {
    String at = "1." + "5".repeat(62); // 64 characters: accepted
    assertEquals(1.5555555555555556, JsonValues.parse(at));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> JsonValues.parse("{\"n\": " + at + "5}"));
    assertTrue(e.getMessage().startsWith("number of 65 characters at $.n; at most 64 are accepted"),
        e.getMessage());
  }

  @Test
  void parse_valueOfTheLimit_isAccepted() {
    String s = "\"" + "x".repeat((1 << 20) - 2) + "\"";
    assertEquals((1 << 20) - 2, ((String) JsonValues.parse(s)).length());
    assertThrows(IllegalArgumentException.class, () -> JsonValues.parse(s + " "));
  }

  @Test
  void parse_deepNesting_isRefusedWithWhere() {
    String deep = "[".repeat(100) + "]".repeat(100);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> JsonValues.parse(deep));
    assertTrue(e.getMessage().startsWith("JSON nested deeper than 64"), e.getMessage());
  }

  @Test
  void parse_malformedJson_isAnsweredInOurWords() {
    for (String bad : List.of("{", "'x'", "[1,]", "1 2", "NaN", "{\"a\":1,}", "{a:1}", "[1 2]",
        "\"unterminated", "tru", "// c\n1", "{\"a\" 1}")) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> JsonValues.parse(bad), bad);
      String m = e.getMessage();
      String lower = m.toLowerCase(Locale.ROOT);
      assertTrue(m.startsWith("invalid JSON '"), m);
      for (String foreign : List.of("gson", "jsonreader", "strictness", "lenient", "http",
          "malformedjson", "expected")) {
        assertFalse(lower.contains(foreign), "library text in: " + m);
      }
    }
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> JsonValues.parse("{\"a\": [1, 2,, 3]}"));
    assertTrue(e.getMessage().contains("not valid JSON at $.a["), e.getMessage());
  }
}
