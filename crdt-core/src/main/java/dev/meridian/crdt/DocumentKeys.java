package dev.meridian.crdt;

import static dev.meridian.crdt.Preconditions.requireArgument;

import com.google.common.base.Utf8;

/**
 * The rule for document keys, the names a store files documents under: 1 to {@value
 * #MAX_UTF8_BYTES} bytes of UTF-8, from well-formed UTF-16. An unpaired surrogate is refused
 * because UTF-8 cannot carry it: it would be stored and sent as {@code '?'}, and two keys would
 * become one. Every layer that accepts a key from outside (the store, replication frames, the
 * client API, the CLI) applies this one rule.
 */
public final class DocumentKeys {
  /** The longest key, in bytes of UTF-8. */
  public static final int MAX_UTF8_BYTES = 1024;

  private DocumentKeys() {}

  /**
   * Returns {@code key} if it follows the rule.
   *
   * @throws IllegalArgumentException saying what is wrong: an empty key, an unpaired surrogate
   *     (and where), or a key over {@value #MAX_UTF8_BYTES} bytes (and its length)
   */
  public static String requireValid(String key) {
    requireArgument(key != null && !key.isEmpty(), "a document key must not be empty");
    Scalars.requireWellFormed(key, "the document key");
    int bytes = Utf8.encodedLength(key);
    requireArgument(bytes <= MAX_UTF8_BYTES, "the document key is %s bytes of UTF-8; the limit is %s",
        bytes, MAX_UTF8_BYTES);
    return key;
  }

  /** True if {@code key} follows the rule. */
  public static boolean isValid(String key) {
    try {
      requireValid(key);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }
}
