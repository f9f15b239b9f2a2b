package dev.meridian.persistence;

import static dev.meridian.persistence.JournalFiles.MARKER_BYTES;
import static dev.meridian.persistence.JournalFiles.SEGMENT_HEADER;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The journal's last segment file, which batches are appended to: a batch written with its marker
 * and fsynced, a failed batch cut off again, a full segment rolled over to the next.
 *
 * <p>Used by one thread at a time: the journal's committer, or the driver of a journal committed
 * by hand.
 */
final class JournalTail implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(JournalTail.class);

  private final Path dir;
  private final JournalSegments segments;
  private final LongConsumer onRoll;
  private FileChannel channel;
  private long base;

  /** Opens the segment {@code file}, which starts at {@code base}, for appending at {@code end}. */
  JournalTail(Path dir, JournalSegments segments, LongConsumer onRoll, Path file, long base,
      long end) throws IOException {
    this.dir = dir;
    this.segments = segments;
    this.onRoll = onRoll;
    this.base = base;
    this.channel = FileChannel.open(file, StandardOpenOption.WRITE);
    this.channel.position(end - base);
  }

  /** The journal position at which the last segment starts. */
  long base() {
    return base;
  }

  /**
   * Fills in the batch's marker (its start, length and body checksum) and writes it, in two
   * halves with a crash point between.
   */
  @SuppressWarnings("ByteBufferBackingArray") // batches come from ByteBuffer.allocate: offset 0
  void write(ByteBuffer batch, long start) throws IOException {
    int length = batch.position();
    int bodyCrc = JournalFiles.crc(batch.array(), MARKER_BYTES, length - MARKER_BYTES);
    ByteBuffer marker = ByteBuffer.allocate(JournalRecords.BATCH_PAYLOAD);
    JournalRecords.putBatch(marker, start, length, bodyCrc);
    batch.position(0);
    JournalFiles.putHeader(batch, marker.array(), 0, marker.capacity());
    batch.put(marker.array());
    batch.position(0).limit(length);
    ByteBuffer firstHalf = batch.duplicate().limit(Math.max(1, length / 2));
    while (firstHalf.hasRemaining()) {
      channel.write(firstHalf);
    }
    CrashPoints.at(CrashPoints.JOURNAL_WRITE);
    batch.position(firstHalf.position());
    while (batch.hasRemaining()) {
      channel.write(batch);
    }
  }

  /** Fsyncs what was written (the data, not the file's metadata). */
  void force() throws IOException {
    CrashPoints.at(CrashPoints.JOURNAL_FSYNC);
    FaultInjection.beforeFsync(dir);
    channel.force(false);
  }

  /**
   * Cuts a failed batch starting at {@code start} off the file, so a reopen cannot read back
   * pages the kernel kept; a failure to do so is logged (the next open checks the tail).
   */
  void cutAt(long start) {
    try {
      channel.truncate(start - base);
      channel.force(true);
    } catch (IOException | RuntimeException t) {
      LOG.error("cutting the failed batch off {} failed too; the next open checks it", dir, t);
    }
  }

  /** Starts the next segment at {@code next} (its header fsynced, the directory too). */
  void roll(long next) throws IOException {
    Path file = JournalFiles.segmentPath(dir, next);
    JournalFiles.writeSegmentHeader(file, next);
    Storage.fsyncDirectory(dir);
    CrashPoints.at(CrashPoints.JOURNAL_ROLL);
    FileChannel opened = FileChannel.open(file, StandardOpenOption.WRITE);
    opened.position(SEGMENT_HEADER);
    channel.close();
    channel = opened;
    segments.added(next, file);
    base = next;
    onRoll.accept(next);
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
