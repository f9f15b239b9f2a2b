package dev.meridian.peer.access;

import com.google.common.hash.Hashing;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Bearer tokens: how they are made and how the access file keeps them (never in the clear: the
 * SHA-256 of the token's UTF-8 bytes, in lower-case hex, as {@code sha256:<hex>}). The same hash
 * comes from {@code printf %s "$TOKEN" | sha256sum}. SHA-256 is not a password hash: tokens must
 * be random, as {@link #generate()} makes them, not chosen by people.
 */
public final class Tokens {
  /** The prefix of a token hash in the access file. */
  public static final String SHA256 = "sha256:";
  private static final SecureRandom RANDOM = new SecureRandom();

  private Tokens() {}

  /** A new random token: 32 bytes from a {@link SecureRandom}, base64url without padding. */
  public static String generate() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** The lower-case hex SHA-256 of {@code token}'s UTF-8 bytes (64 characters). */
  public static String sha256Hex(String token) {
    return Hashing.sha256().hashString(token, StandardCharsets.UTF_8).toString();
  }
}
