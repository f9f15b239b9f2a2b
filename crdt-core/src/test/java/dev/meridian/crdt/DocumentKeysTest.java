package dev.meridian.crdt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DocumentKeysTest {
  @Test
  void requireValid_atTheLimit_isAccepted() {
    String ascii = "k".repeat(DocumentKeys.MAX_UTF8_BYTES);
    assertEquals(ascii, DocumentKeys.requireValid(ascii));
    String euros = "\u20ac".repeat(341) + "a"; // 341 * 3 + 1 = 1,024 bytes
    assertEquals(euros, DocumentKeys.requireValid(euros));
  }

  @Test
  void requireValid_oneByteOverTheLimit_isRefusedWithItsLength() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> DocumentKeys.requireValid("\u20ac".repeat(341) + "ab"));
    assertEquals("the document key is 1025 bytes of UTF-8; the limit is 1024", e.getMessage());
  }

  @Test
  void requireValid_countsASurrogatePairAsFourBytes() {
    String pairs = "\ud83d\ude00".repeat(256); // 1,024 bytes
    assertTrue(DocumentKeys.isValid(pairs));
    assertFalse(DocumentKeys.isValid(pairs + "x"));
  }

  @Test
  void requireValid_unpairedSurrogate_isRefusedWithItsPosition() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> DocumentKeys.requireValid("ab\ud83d"));
    assertEquals("the document key has an unpaired surrogate at index 2", e.getMessage());
    assertFalse(DocumentKeys.isValid("\ude00x"));
  }

  @Test
  void requireValid_emptyOrNull_isRefused() {
    assertFalse(DocumentKeys.isValid(""));
    assertFalse(DocumentKeys.isValid(null));
  }

  @Test
  void siteNames_followTheirRule() {
    assertTrue(SiteNames.isValid("lisbon-1.eu_west"));
    assertTrue(SiteNames.isValid("s".repeat(SiteNames.MAX_LENGTH)));
    assertFalse(SiteNames.isValid("s".repeat(SiteNames.MAX_LENGTH + 1)));
    assertFalse(SiteNames.isValid(""));
    assertFalse(SiteNames.isValid("lisbon/1"));
    assertFalse(SiteNames.isValid("lisb\u00f6n"));
    assertFalse(SiteNames.isValid(null));
  }
}
