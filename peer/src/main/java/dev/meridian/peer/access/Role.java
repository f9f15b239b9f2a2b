package dev.meridian.peer.access;

import java.util.Locale;

/**
 * What a grant lets its holder do on the keys under its prefix. Roles are ordered: a role covers
 * the ones before it, so {@code write} also reads and {@code admin} also writes.
 */
public enum Role {
  /** Get a document, list keys, watch changes. */
  READ,
  /** Update and delete documents (and everything {@link #READ} allows). */
  WRITE,
  /**
   * Everything {@link #WRITE} allows; on every key ({@code admin:*}) also the peer's status and
   * metrics.
   */
  ADMIN;

  /** True if a grant of this role allows what {@code needed} allows. */
  public boolean covers(Role needed) {
    return ordinal() >= needed.ordinal();
  }

  /** The word in the access file: {@code read}, {@code write}, {@code admin}. */
  public String word() {
    return name().toLowerCase(Locale.ROOT);
  }
}
