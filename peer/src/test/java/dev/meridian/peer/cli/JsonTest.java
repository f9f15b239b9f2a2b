package dev.meridian.peer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class JsonTest {
  @Test
  void parseStrict_acceptsEveryKindOfValue() throws Exception {
    assertEquals("\"Ada\"", Json.compact(Json.parseStrict("\"Ada\"")));
    assertEquals("-1.5e3", Json.compact(Json.parseStrict("-1.5e3")));
    assertEquals("true", Json.compact(Json.parseStrict(" true ")));
    assertEquals("null", Json.compact(Json.parseStrict("null")));
    assertEquals("{\"a\":[1,{\"b\":null}]}",
        Json.compact(Json.parseStrict("{\"a\": [1, {\"b\": null}]}")));
  }

  @Test
  void parseStrict_refusesWhatLenientParsingWouldAccept() {
    for (String text : new String[] {"Ada", "'x'", "{a: 1}", "NaN", "[1,]", "01",
        "// c\n1", "1 2", "{\"a\":1}}", "", "  "}) {
      assertThrows(Json.InvalidJsonException.class, () -> Json.parseStrict(text), text);
    }
  }

  @Test
  void parseStrict_reasonIsShort() {
    assertEquals("unterminated string at column 5",
        assertThrows(Json.InvalidJsonException.class, () -> Json.parseStrict("\"abc"))
            .getMessage());
    assertEquals("unexpected character at line 2 column 1",
        assertThrows(Json.InvalidJsonException.class, () -> Json.parseStrict("{\"a\":\nx}"))
            .getMessage());
  }

  @Test
  void format_keepsIntegersExact() {
    String json = "{\"n\":123456789012345678901234567890,\"f\":0.1}";
    assertEquals(json, Json.format(json, true));
    assertEquals("{\n  \"n\": 123456789012345678901234567890,\n  \"f\": 0.1\n}",
        Json.format(json, false));
  }

  @Test
  void format_doesNotEscapeHtmlAndKeepsNulls() {
    assertEquals("{\"a\":\"<b>&'\",\"z\":null}", Json.format("{\"a\":\"<b>&'\",\"z\":null}", true));
  }

  @Test
  void format_notJson_returnsItAsIs() {
    assertEquals("{oops", Json.format("{oops", false));
  }
}
