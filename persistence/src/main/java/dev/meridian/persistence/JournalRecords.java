package dev.meridian.persistence;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The payloads of journal records: a document delta, or a reservation of dot counters, each with
 * the hybrid clock's latest value (so a restart resumes the clock above every timestamp the
 * replica issued); and the batch marker that starts each group commit (see {@link JournalFiles}).
 */
final class JournalRecords {
  private static final byte DELTA = 1;
  private static final byte RESERVE = 2;
  static final byte BATCH_TYPE = 3;
  /** A batch marker's payload: type, the marker's position, the batch's length, its crc32c. */
  static final int BATCH_PAYLOAD = 1 + 8 + 4 + 4;

  private JournalRecords() {}

  /** A parsed record. */
  sealed interface Entry permits Delta, Reserve {}

  /** A delta (encoded with CrdtCodec) for the document at {@code key}. */
  @SuppressWarnings("ArrayRecordComponent") // parsed once and read, never compared or hashed
  record Delta(long clock, String key, byte[] delta) implements Entry {}

  /** Every dot counter up to {@code counter} may be handed out. */
  record Reserve(long counter, long clock) implements Entry {}

  static byte[] delta(long clock, String key, byte[] delta) {
    byte[] keyBytes = key.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream(delta.length + keyBytes.length + 16);
    out.write(DELTA);
    out.writeBytes(ByteBuffer.allocate(8).putLong(clock).array());
    DocMeta.writeVarint(out, keyBytes.length);
    out.writeBytes(keyBytes);
    out.writeBytes(delta);
    return out.toByteArray();
  }

  static byte[] reserve(long counter, long clock) {
    return ByteBuffer.allocate(17).put(RESERVE).putLong(counter).putLong(clock).array();
  }

  /** Writes a batch marker's payload into {@code into}. */
  static void putBatch(java.nio.ByteBuffer into, long position, int length, int crc) {
    into.put(BATCH_TYPE).putLong(position).putInt(length).putInt(crc);
  }

  static boolean isBatch(byte[] b, int off, int len) {
    return len == BATCH_PAYLOAD && b[off] == BATCH_TYPE;
  }

  static long batchPosition(byte[] b, int off) {
    return ByteBuffer.wrap(b, off + 1, 8).getLong();
  }

  static int batchLength(byte[] b, int off) {
    return ByteBuffer.wrap(b, off + 9, 4).getInt();
  }

  static int batchCrc(byte[] b, int off) {
    return ByteBuffer.wrap(b, off + 13, 4).getInt();
  }

  /**
   * Parses a payload whose checksum held (never a batch marker: scans skip those).
   *
   * @throws IllegalArgumentException for an unknown type or a malformed payload
   */
  static Entry parse(byte[] payload) {
    try {
      ByteBuffer b = ByteBuffer.wrap(payload);
      byte type = b.get();
      if (type == DELTA) {
        long clock = b.getLong();
        int keyLen = (int) DocMeta.readVarint(b);
        String key = new String(payload, b.position(), keyLen, StandardCharsets.UTF_8);
        b.position(b.position() + keyLen);
        byte[] delta = new byte[b.remaining()];
        b.get(delta);
        return new Delta(clock, key, delta);
      } else if (type == RESERVE) {
        return new Reserve(b.getLong(), b.getLong());
      }
      throw new IllegalArgumentException("unknown journal record type " + type);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("malformed journal record: " + e, e);
    }
  }
}
