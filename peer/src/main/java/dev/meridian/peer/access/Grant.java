package dev.meridian.peer.access;

import java.util.Locale;
import java.util.Objects;

/**
 * One role on the keys that start with a prefix, written {@code role:prefix*} in the access file:
 * {@code write:carts/*} (or {@code write:carts/}) writes every key starting with {@code carts/},
 * {@code read:*} reads every key.
 *
 * @param role what the grant allows
 * @param prefix the keys it covers start with this; empty for every key
 */
public record Grant(Role role, String prefix) {
  /** Checks that both are given. */
  public Grant {
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(prefix, "prefix");
  }

  /**
   * Reads {@code role:prefix}, the prefix optionally ending in one {@code *} (the same prefix
   * without it).
   *
   * @throws IllegalArgumentException naming what is wrong
   */
  public static Grant parse(String text) {
    int colon = text.indexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException("grant '" + text + "' is not role:prefix (e.g."
          + " write:carts/* or read:*)");
    }
    String word = text.substring(0, colon);
    Role role;
    try {
      role = Role.valueOf(word.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("grant '" + text + "' has role '" + word
          + "' (expected read, write or admin)", e);
    }
    String prefix = text.substring(colon + 1);
    if (prefix.endsWith("*")) {
      prefix = prefix.substring(0, prefix.length() - 1);
    }
    return new Grant(role, prefix);
  }

  /** True if this grant allows {@code needed} on {@code key}, or on every key under it. */
  public boolean allows(Role needed, String keyOrPrefix) {
    return role.covers(needed) && keyOrPrefix.startsWith(prefix);
  }

  /** The access file form: {@code write:carts/*}. */
  @Override
  public String toString() {
    return role.word() + ":" + prefix + "*";
  }
}
