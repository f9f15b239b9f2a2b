package dev.meridian.crdt.doc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.common.testing.EqualsTester;
import com.google.common.testing.NullPointerTester;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class PathTest {
  @ParameterizedTest
  @ValueSource(strings = {
      "a",
      "profile.address.city",
      "todos[3].done",
      "a[0][12]",
      "[0]",
      "[\"a.b\"].c",
      "a[\"x\\\"y\"]",
      "[\"\"]",
      "a[\"[1]\"].b",
      "names.0.b-c d"
  })
  void toString_canonical_parsesBackToItself(String text) {
    Path p = Path.parse(text);

    assertEquals(text, p.toString());
    assertEquals(p, Path.parse(p.toString()));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
      "a[\"b\"]|a.b",
      "[\"a\"].b|a.b",
      "a[\"x\\u0041\"]|a.xA",
      "a[\"x\\/y\"]|a.x/y"
  })
  void toString_nonCanonicalInput_printsCanonicalForm(String text, String canonical) {
    Path p = Path.parse(text);

    assertEquals(canonical, p.toString());
    assertEquals(p, Path.parse(canonical));
  }

  @Test
  void parse_indexes_areSegments() {
    Path p = Path.parse("todos[3].done");

    assertEquals(
        List.of(new Path.Key("todos"), new Path.Index(3), new Path.Key("done")), p.segments());
  }

  @Test
  void parse_quotedNamesWithDotsAndQuotes() {
    assertEquals(List.of("tags", "a.b"), Path.parse("tags[\"a.b\"]").keys());
    assertEquals(List.of("say \"hi\""), Path.parse("[\"say \\\"hi\\\"\"]").keys());
    assertEquals(List.of("back\\slash", "x"), Path.parse("[\"back\\\\slash\"].x").keys());
    assertEquals(List.of("line\nbreak"), Path.parse("[\"line\\nbreak\"]").keys());
    assertEquals(List.of("[]"), Path.parse("[\"[]\"]").keys());
  }

  @Test
  void keys_withIndex_throwsClearMessage() {
    Path p = Path.parse("todos[3].done");

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, p::keys);

    assertEquals(
        "path 'todos[3].done' has a list index where a key is expected",
        e.getMessage());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
      "a..b|empty name at 2 in path 'a..b'",
      "a.|path 'a.' ends with '.'",
      ".a|empty name at 0 in path '.a'",
      "[x]|bad list index 'x' in path '[x]'",
      "[-1]|bad list index '-1' in path '[-1]'",
      "[1234567890]|bad list index '1234567890' in path '[1234567890]'",
      "[]|expected an index or a quoted name at 1 in path '[]'",
      "a[|expected an index or a quoted name at 2 in path 'a['",
      "a[0|expected an index or a quoted name at 2 in path 'a[0'",
      "[\"abc|unterminated string in '[\"abc'",
      "a[\"b\"|expected ']' at 5 in path 'a[\"b\"'",
      "a[\"b\"x]|expected ']' at 5 in path 'a[\"b\"x]'",
      "a]|expected '.' or '[' at 1 in path 'a]'",
      "a[0]b|expected '.' or '[' at 4 in path 'a[0]b'",
      "\"a\"|unexpected '\"' at 0 in path '\"a\"'",
      "[\"a\\q\"]|bad escape \\q in '[\"a\\q\"]'",
      "[\"\\u00\"]|bad \\u escape in '[\"\\u00\"]'"
  })
  void parse_bad_throwsWithMessage(String text, String message) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Path.parse(text));

    assertEquals(message, e.getMessage());
  }

  @Test
  void parse_emptyOrNull_throws() {
    IllegalArgumentException empty = assertThrows(IllegalArgumentException.class, () -> Path.parse(""));
    IllegalArgumentException nul = assertThrows(IllegalArgumentException.class, () -> Path.parse(null));

    assertEquals("path must not be empty", empty.getMessage());
    assertEquals("path must not be empty", nul.getMessage());
  }

  @Test
  void ofKeys_empty_throws() {
    assertThrows(IllegalArgumentException.class, () -> Path.ofKeys(List.of()));
  }

  @Test
  void ofKeys_anyName_roundTripsThroughText() {
    Path p = Path.ofKeys(List.of("a.b", "", "x\"y", "plain", "[0]"));

    assertEquals("[\"a.b\"][\"\"][\"x\\\"y\"].plain[\"[0]\"]", p.toString());
    assertEquals(p, Path.parse(p.toString()));
    assertEquals(List.of("a.b", "", "x\"y", "plain", "[0]"), Path.parse(p.toString()).keys());
  }

  @Test
  void child_appendsKey() {
    assertEquals(Path.parse("a.b[\"c.d\"]"), Path.parse("a.b").child("c.d"));
  }

  @Test
  void equals_bySegments() {
    new EqualsTester()
        .addEqualityGroup(
            Path.parse("a.b"), Path.parse("a[\"b\"]"), Path.ofKeys(List.of("a", "b")), Path.parse("a").child("b"))
        .addEqualityGroup(Path.parse("a[0]"))
        .addEqualityGroup(Path.parse("a.0"), Path.parse("a[\"0\"]"))
        .addEqualityGroup(Path.parse("b.a"))
        .addEqualityGroup(Path.parse("[\"a.b\"]"))
        .testEquals();
  }

  @Test
  void ofKeys_null_throws() throws NoSuchMethodException {
    // parse(null) is an IllegalArgumentException by design (see parse_emptyOrNull_throws).
    new NullPointerTester()
        .ignore(Path.class.getMethod("parse", String.class))
        .testAllPublicStaticMethods(Path.class);
  }
}
