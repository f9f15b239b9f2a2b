package dev.meridian.peer;

/** Being written. */
public final class Meridian {
  private Meridian() {}

  /** Being written. */
  public static Object builder() {
    return null;
  }
}
