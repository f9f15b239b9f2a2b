package dev.meridian.peer.cli;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Reads a positive duration for an option: a whole number with a unit ({@code 500ms}, {@code 10s},
 * {@code 2m}, {@code 1h}) or ISO-8601 ({@code PT1.5S}).
 */
final class DurationConverter implements ITypeConverter<Duration> {
  private static final Pattern SHORT = Pattern.compile("(\\d{1,9})(ms|s|m|h)");

  /**
   * {@inheritDoc}
   *
   * @throws TypeConversionException if {@code value} is neither form, or not positive
   */
  @Override
  public Duration convert(String value) {
    Duration d = parse(value.trim().toLowerCase(Locale.ROOT));
    if (d.isNegative() || d.isZero()) {
      throw new TypeConversionException("'" + value + "' is not a positive duration");
    }
    return d;
  }

  private static Duration parse(String s) {
    Matcher m = SHORT.matcher(s);
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      switch (m.group(2)) {
        case "ms":
          return Duration.ofMillis(n);
        case "s":
          return Duration.ofSeconds(n);
        case "m":
          return Duration.ofMinutes(n);
        default:
          return Duration.ofHours(n);
      }
    }
    try {
      return Duration.parse(s.toUpperCase(Locale.ROOT));
    } catch (DateTimeParseException e) {
      throw new TypeConversionException(
          "'" + s + "' is not a duration; use a number with a unit, e.g. 500ms, 10s, 2m");
    }
  }

  /** {@code d} in the short form: {@code 10s}, or {@code 1500ms} when not whole seconds. */
  static String format(Duration d) {
    long ms = d.toMillis();
    return ms % 1000 == 0 ? (ms / 1000) + "s" : ms + "ms";
  }
}
