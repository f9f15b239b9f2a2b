package dev.meridian.crdt.codec;

import static dev.meridian.crdt.codec.DecodeChecks.require;

import java.nio.charset.StandardCharsets;

/**
 * Text characters on the wire: each UTF-16 unit as UTF-8 encodes its value (1 to 3 bytes), so a
 * text that a delete left with half a surrogate pair still round-trips (CESU-8). ASCII is one byte.
 */
final class Cesu8 {
  private Cesu8() {}

  static byte[] encode(String s) {
    int n = s.length();
    int size = 0;
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      size += c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
    }
    if (size == n) {
      return s.getBytes(StandardCharsets.ISO_8859_1);
    }
    byte[] out = new byte[size];
    int k = 0;
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        out[k++] = (byte) c;
      } else if (c < 0x800) {
        out[k++] = (byte) (0xC0 | (c >> 6));
        out[k++] = (byte) (0x80 | (c & 0x3F));
      } else {
        out[k++] = (byte) (0xE0 | (c >> 12));
        out[k++] = (byte) (0x80 | ((c >> 6) & 0x3F));
        out[k++] = (byte) (0x80 | (c & 0x3F));
      }
    }
    return out;
  }

  /** Decodes strictly: no overlong forms, no truncated or stray continuation bytes. */
  static String decode(byte[] b, int from, int to) throws CodecException {
    boolean ascii = true;
    for (int i = from; i < to; i++) {
      if (b[i] < 0) {
        ascii = false;
        break;
      }
    }
    if (ascii) {
      return new String(b, from, to - from, StandardCharsets.ISO_8859_1);
    }
    char[] out = new char[to - from];
    int n = 0;
    int i = from;
    while (i < to) {
      int x = b[i] & 0xFF;
      if (x < 0x80) {
        out[n++] = (char) x;
        i++;
      } else if ((x & 0xE0) == 0xC0) {
        require(i + 1 < to && (b[i + 1] & 0xC0) == 0x80, "truncated character");
        int c = ((x & 0x1F) << 6) | (b[i + 1] & 0x3F);
        require(c >= 0x80, "overlong character");
        out[n++] = (char) c;
        i += 2;
      } else if ((x & 0xF0) == 0xE0) {
        require(i + 2 < to && (b[i + 1] & 0xC0) == 0x80 && (b[i + 2] & 0xC0) == 0x80,
            "truncated character");
        int c = ((x & 0x0F) << 12) | ((b[i + 1] & 0x3F) << 6) | (b[i + 2] & 0x3F);
        require(c >= 0x800, "overlong character");
        out[n++] = (char) c;
        i += 3;
      } else {
        require(false, "byte %d starts no character", x);
      }
    }
    return new String(out, 0, n);
  }
}
