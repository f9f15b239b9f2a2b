package dev.meridian.crdt;

import com.google.errorprone.annotations.FormatMethod;

/** Argument and state checks with formatted messages (misuse throws IAE or ISE). */
public final class Preconditions {
  private Preconditions() {}

  /** Throws {@link IllegalArgumentException} with the formatted message unless {@code ok}. */
  @FormatMethod
  public static void requireArgument(boolean ok, String format, Object... args) {
    if (!ok) {
      throw new IllegalArgumentException(String.format(format, args));
    }
  }

  /** Throws {@link IllegalStateException} with the formatted message unless {@code ok}. */
  @FormatMethod
  public static void requireState(boolean ok, String format, Object... args) {
    if (!ok) {
      throw new IllegalStateException(String.format(format, args));
    }
  }
}
