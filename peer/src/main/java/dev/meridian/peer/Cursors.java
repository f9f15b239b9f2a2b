package dev.meridian.peer;

import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.codec.CodecException;
import dev.meridian.crdt.codec.CrdtCodec;
import java.util.Base64;

/**
 * Watch cursors: the causal context of every change a watcher was given (and of everything the
 * peer held when the watch started), as URL-safe base64 of its protobuf encoding. A watch resumed
 * from a cursor sends every document holding an event outside it, so nothing given before is
 * needed again and nothing made since is missed.
 */
final class Cursors {
  /** The longest cursor accepted, in characters (a cursor holds a few ranges per replica). */
  static final int MAX_CHARS = 65_536;

  private Cursors() {}

  static String encode(CausalContext context) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(CrdtCodec.encode(context));
  }

  /**
   * Decodes a cursor this peer (or another peer of the cluster) gave out.
   *
   * @throws IllegalArgumentException naming what is wrong, if it is not one
   */
  static CausalContext decode(String cursor) {
    if (cursor.length() > MAX_CHARS) {
      throw new IllegalArgumentException("the cursor is " + cursor.length()
          + " characters long, more than the " + MAX_CHARS + " a cursor can be");
    }
    try {
      return CrdtCodec.decodeContext(Base64.getUrlDecoder().decode(cursor));
    } catch (IllegalArgumentException | CodecException e) {
      throw new IllegalArgumentException("the cursor is not one a Meridian watch gave out", e);
    }
  }
}
