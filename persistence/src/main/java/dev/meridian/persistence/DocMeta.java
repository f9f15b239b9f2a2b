package dev.meridian.persistence;

import dev.meridian.crdt.ReplicaId;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * A document's meta record in a {@link MapDbFile}: its log's next sequence number, entry count and
 * bytes, its snapshot's bytes, and its newest dot per replica (MapDbFile design note [2]). Encoded
 * as varints, the replicas in ascending order, so equal records encode to equal bytes.
 */
final class DocMeta {
  long nextSeq;
  long logCount;
  long logBytes;
  long snapshotBytes;
  Map<ReplicaId, Long> newest = new HashMap<>();

  byte[] encode() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(32);
    writeVarint(out, nextSeq);
    writeVarint(out, logCount);
    writeVarint(out, logBytes);
    writeVarint(out, snapshotBytes);
    writeVarint(out, newest.size());
    for (Map.Entry<ReplicaId, Long> e : new TreeMap<>(newest).entrySet()) {
      out.writeBytes(ByteBuffer.allocate(8).putLong(e.getKey().value()).array());
      writeVarint(out, e.getValue());
    }
    return out.toByteArray();
  }

  static DocMeta decode(byte[] bytes) {
    ByteBuffer b = ByteBuffer.wrap(bytes);
    DocMeta m = new DocMeta();
    m.nextSeq = readVarint(b);
    m.logCount = readVarint(b);
    m.logBytes = readVarint(b);
    m.snapshotBytes = readVarint(b);
    long n = readVarint(b);
    for (long i = 0; i < n; i++) {
      m.newest.put(ReplicaId.of(b.getLong()), readVarint(b));
    }
    return m;
  }

  static void writeVarint(ByteArrayOutputStream out, long v) {
    while ((v & ~0x7FL) != 0) {
      out.write((int) ((v & 0x7F) | 0x80));
      v >>>= 7;
    }
    out.write((int) v);
  }

  static long readVarint(ByteBuffer b) {
    long v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      byte x = b.get();
      v |= (long) (x & 0x7F) << shift;
      if ((x & 0x80) == 0) {
        return v;
      }
    }
    throw new IllegalArgumentException("varint too long");
  }
}
