package dev.meridian.crdt;

import java.security.SecureRandom;
import java.util.Locale;

/**
 * The identity of one replica: a random 64-bit number drawn when a replica's data directory is
 * created, never reused. Ordered as unsigned numbers, printed as 16 hex digits.
 *
 * <p>Because every replica draws its own id, a wiped data directory restarted under the same site
 * name gets a new id, so no dot is ever issued twice.
 */
public final class ReplicaId implements Comparable<ReplicaId> {
  private static final SecureRandom RANDOM = new SecureRandom();

  private final long value;

  private ReplicaId(long value) {
    this.value = value;
  }

  /** Returns the replica id with the given 64-bit value. */
  public static ReplicaId of(long value) {
    return new ReplicaId(value);
  }

  /** Draws a new random replica id from a cryptographically strong source. */
  public static ReplicaId random() {
    return new ReplicaId(RANDOM.nextLong());
  }

  /**
   * Parses the 16-hex-digit form printed by {@link #toString()}.
   *
   * @throws IllegalArgumentException if {@code text} is not 1 to 16 hex digits
   */
  public static ReplicaId parse(String text) {
    if (text == null || text.isEmpty() || text.length() > 16 || !isHex(text)) {
      throw new IllegalArgumentException("replica id must be 1 to 16 hex digits: " + text);
    }
    return new ReplicaId(Long.parseUnsignedLong(text, 16));
  }

  // Long.parseUnsignedLong also takes a leading '+' and non-ASCII digits (Character.digit).
  private static boolean isHex(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
        return false;
      }
    }
    return true;
  }

  /** The 64-bit value of this id. */
  public long value() {
    return value;
  }

  @Override
  public int compareTo(ReplicaId other) {
    return Long.compareUnsigned(value, other.value);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ReplicaId replicaId && replicaId.value == value;
  }

  @Override
  public int hashCode() {
    return Long.hashCode(value * 0x9E3779B97F4A7C15L);
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "%016x", value);
  }
}
