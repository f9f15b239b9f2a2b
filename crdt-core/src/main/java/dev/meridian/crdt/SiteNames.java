package dev.meridian.crdt;

import java.util.regex.Pattern;

/**
 * The rule for site names, the readable names users give replicas (a replica id changes with each
 * data directory; a site's name does not): 1 to {@value #MAX_LENGTH} characters of {@code A-Z a-z
 * 0-9 . _ -}, so a name fits a certificate's subject, a file and a metric label unescaped.
 */
public final class SiteNames {
  /** The longest site name, in characters. */
  public static final int MAX_LENGTH = 64;

  /** The rule in words, for error messages. */
  public static final String RULE = "1-" + MAX_LENGTH + " characters of A-Z a-z 0-9 . _ -";

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1," + MAX_LENGTH + "}");

  private SiteNames() {}

  /** True if {@code name} is a valid site name; false for null. */
  public static boolean isValid(String name) {
    return name != null && NAME.matcher(name).matches();
  }
}
