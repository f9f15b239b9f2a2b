package dev.meridian.benchmarks;

import dev.meridian.crdt.Replica;
import dev.meridian.crdt.ReplicaId;
import dev.meridian.crdt.clock.HybridClock;
import dev.meridian.crdt.codec.CrdtCodec;
import dev.meridian.crdt.doc.Document;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Encoded sizes of typical deltas and states, printed one per line. The target for a one-register
 * delta is under 64 bytes.
 *
 * <p>Run (from the repository root, after building the benchmarks jar):
 *
 * <pre>{@code
 * java -cp benchmarks/target/benchmarks.jar dev.meridian.benchmarks.SizeReport
 * }</pre>
 */
public final class SizeReport {
  /*
   * Design notes.
   * [1] The writing replica resumes past counter 5,000, as a replica does after a restart, so dot
   *     counters are not the 1-byte best case. Its id is random: ids are fixed64 on the wire, so the
   *     size does not depend on it. The timestamp is the wall clock's, written relative to 2025 on
   *     the wire, so the size grows slowly with the date (a varint byte every few years).
   */

  /** Path of the one-register delta: 20 characters. */
  static final String PATH = "profile.address.city";

  /** Value of the one-register delta: 5 characters. */
  static final String VALUE = "Paris";

  /** Key count of the document state measured. */
  static final int DOCUMENT_KEYS = 1_000;

  private SizeReport() {}

  /** A replica whose dot counter is past 5,000. */
  static Replica resumedReplica() {
    return Replica.resume(ReplicaId.random(), 5_000, new HybridClock());
  }

  /** The delta of a first write of {@link #VALUE} at {@link #PATH} by a resumed replica. */
  static Document oneRegisterDelta() {
    return Document.create(resumedReplica()).set(PATH, VALUE);
  }

  /**
   * The delta of a resumed replica overwriting {@link #PATH}, last written by another resumed
   * replica: its context names both replicas.
   */
  static Document overwriteDelta() {
    Document other = Document.create(resumedReplica());
    other.set(PATH, "Lyon");
    Document doc = Document.create(resumedReplica());
    doc.join(other);
    return doc.set(PATH, VALUE);
  }

  /** The delta of a resumed replica incrementing a counter at {@code stats.visits}. */
  static Document oneCounterDelta() {
    return Document.create(resumedReplica()).increment("stats.visits", 1);
  }

  /** A document of {@link #DOCUMENT_KEYS} keys (see {@link Fixtures}) written by a resumed replica. */
  static Document document() {
    return Fixtures.populate(Document.create(resumedReplica()), 0, DOCUMENT_KEYS);
  }

  /** Each measured blob's label and encoded size in bytes, in report order. */
  static Map<String, Integer> sizes() {
    Map<String, Integer> out = new LinkedHashMap<>();
    out.put("one-register delta (" + PATH + " = \"" + VALUE + "\", counter > 5000)",
        CrdtCodec.encode(oneRegisterDelta()).length);
    out.put("one-register overwrite delta (two replicas in context)",
        CrdtCodec.encode(overwriteDelta()).length);
    out.put("one-counter delta (stats.visits += 1)", CrdtCodec.encode(oneCounterDelta()).length);
    out.put(DOCUMENT_KEYS + "-key document state (" + DOCUMENT_KEYS + " registers + "
        + DOCUMENT_KEYS + " counters)", CrdtCodec.encode(document()).length);
    return out;
  }

  /** Prints one line per blob: {@code size: <label>: <bytes> bytes}. */
  public static void main(String[] args) {
    sizes().forEach((label, bytes) -> System.out.println("size: " + label + ": " + bytes + " bytes"));
  }
}
