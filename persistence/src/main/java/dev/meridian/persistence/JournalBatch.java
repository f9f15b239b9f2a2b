package dev.meridian.persistence;

import static dev.meridian.persistence.JournalFiles.MARKER_BYTES;
import static dev.meridian.persistence.JournalFiles.RECORD_HEADER;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The batch a {@link Journal} is filling: the records appended since the committer took the last
 * batch, their durable futures and their attachments. Not thread-safe: every method runs under the
 * journal's lock.
 *
 * <p>The first record of a batch leaves {@link JournalFiles#MARKER_BYTES} at the buffer's start,
 * which the committer fills in with the batch marker (JournalFiles design note [2]).
 */
final class JournalBatch {
  private ByteBuffer buffer = ByteBuffer.allocate(1 << 16);
  private List<CompletableFuture<Void>> waiters = new ArrayList<>();
  private List<Object> attachments = new ArrayList<>();
  private boolean hasDurable;
  private long firstNanos;
  private long start;

  /** A batch taken for writing: its bytes (marker space first), futures and attachments. */
  record Taken(ByteBuffer bytes, long start, JournalNotifier.Done done) {}

  /** Bytes buffered, the marker space included; 0 when the batch is empty. */
  int bytes() {
    return buffer.position();
  }

  /** True if a record in the batch (or a reader waiting for it) asks for an fsync now. */
  boolean hasDurable() {
    return hasDurable;
  }

  /** Asks for an fsync without waiting for company: a reader waits for durability. */
  void wantDurable() {
    hasDurable = true;
  }

  /** When the batch's first record was appended ({@link System#nanoTime}). */
  long firstNanos() {
    return firstNanos;
  }

  /**
   * Adds a record that goes to the journal at {@code next} (after the batch marker if it is the
   * batch's first); returns the record's position.
   */
  long add(byte[] payload, long next) {
    boolean first = buffer.position() == 0;
    int total = RECORD_HEADER + payload.length + (first ? MARKER_BYTES : 0);
    if (buffer.remaining() < total) {
      ByteBuffer bigger = ByteBuffer.allocate(Math.max(buffer.capacity() * 2,
          buffer.position() + total));
      buffer.flip();
      bigger.put(buffer);
      buffer = bigger;
    }
    long position = next;
    if (first) {
      start = next;
      buffer.position(MARKER_BYTES); // filled in by the committer
      position += MARKER_BYTES;
      firstNanos = System.nanoTime();
    }
    JournalFiles.putHeader(buffer, payload, 0, payload.length);
    buffer.put(payload);
    return position;
  }

  /** Attaches what reaches the listener once the batch is durable. */
  void attach(Object attachment) {
    attachments.add(attachment);
  }

  /** A future completed once the batch is durable (or failed with it). */
  CompletableFuture<Void> awaitDurable() {
    CompletableFuture<Void> future = new CompletableFuture<>();
    waiters.add(future);
    hasDurable = true;
    return future;
  }

  /**
   * Takes the batch for writing and starts an empty one in {@code spare} (or a new buffer if
   * {@code spare} is under half the taken one's capacity, so the buffer keeps the size batches
   * reach).
   */
  Taken take(ByteBuffer spare) {
    ByteBuffer bytes = buffer;
    buffer = spare.capacity() >= bytes.capacity() / 2 ? spare
        : ByteBuffer.allocate(bytes.capacity());
    buffer.clear();
    Taken taken = new Taken(bytes, start, new JournalNotifier.Done(waiters, attachments, null));
    waiters = new ArrayList<>();
    attachments = new ArrayList<>();
    hasDurable = false;
    return taken;
  }

  /** Drops the attachments and hands back the futures of what is buffered: none will be durable. */
  List<CompletableFuture<Void>> abandon() {
    List<CompletableFuture<Void>> out = waiters;
    waiters = new ArrayList<>();
    attachments.clear();
    return out;
  }
}
