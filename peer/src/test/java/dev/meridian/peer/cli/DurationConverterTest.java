package dev.meridian.peer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

class DurationConverterTest {
  private final DurationConverter converter = new DurationConverter();

  @Test
  void convert_shortAndIsoForms() {
    assertEquals(Duration.ofMillis(500), converter.convert("500ms"));
    assertEquals(Duration.ofSeconds(10), converter.convert("10s"));
    assertEquals(Duration.ofMinutes(2), converter.convert("2M"));
    assertEquals(Duration.ofHours(1), converter.convert("1h"));
    assertEquals(Duration.ofMillis(1500), converter.convert("PT1.5S"));
  }

  @Test
  void convert_refusesZeroNegativeAndUnitless() {
    assertEquals("'0s' is not a positive duration",
        assertThrows(TypeConversionException.class, () -> converter.convert("0s")).getMessage());
    assertThrows(TypeConversionException.class, () -> converter.convert("PT-1S"));
    assertEquals("'10' is not a duration; use a number with a unit, e.g. 500ms, 10s, 2m",
        assertThrows(TypeConversionException.class, () -> converter.convert("10")).getMessage());
  }

  @Test
  void format_wholeSecondsOrMillis() {
    assertEquals("10s", DurationConverter.format(Duration.ofSeconds(10)));
    assertEquals("250ms", DurationConverter.format(Duration.ofMillis(250)));
  }
}
