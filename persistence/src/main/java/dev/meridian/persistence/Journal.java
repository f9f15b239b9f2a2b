package dev.meridian.persistence;

import static dev.meridian.persistence.JournalFiles.SEGMENT_HEADER;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The append-only, checksummed journal that acknowledges writes, with group commit.
 *
 * <p>Writers {@link #append} records; one committer thread writes everything appended since its
 * last fsync as one batch, in one write and one fsync, so concurrent writers share an fsync. After
 * the fsync a notifier thread hands the batch's attachments to the {@link Listener} and then
 * completes its durable futures, in journal order. A batch of only asynchronous appends waits at
 * most the commit interval for company.
 *
 * <p>A failed write or fsync fails the journal closed (as PostgreSQL does since "fsyncgate": after
 * a failed fsync the kernel may have dropped the dirty pages, so a retry proves nothing): the
 * failed batch is cut off the file, its writers get an error, the listener hears {@link
 * Listener#failed}, and every later append is refused.
 *
 * <p>Positions are byte offsets in one address space over all segment files: segment {@code
 * journal/<base>.log} holds positions {@code [base, base + size)}, its 24-byte header included.
 * File formats and recovery: {@link JournalFiles}.
 */
final class Journal implements Closeable {
  /*
   * Design notes.
   * [1] Threads and locks. `lock` guards the batch being filled (JournalBatch), nextPosition
   *     and failure/closing; writers and the committer take it briefly.
   *     The committer alone owns the tail (JournalTail: the file, the segments' roll);
   *     `segments` has its own monitor (read by the checkpointer). The notifier thread runs the listener and completes
   *     futures, so no caller's continuation ever runs on the committer (a continuation that
   *     waits for durability there would wait for itself).
   * [2] Each batch starts with a marker record (JournalFiles [2]): JournalBatch leaves its
   *     space before the first record, and the committer fills it in.
   * [3] Segments roll after a batch, when the current one is past the segment size.
   */
  private static final Logger LOG = LoggerFactory.getLogger(Journal.class);

  /** Hears of batches once durable, in journal order, on the notifier thread. */
  interface Listener {
    /** The attachments of a batch's appends (nulls left out), after its fsync. */
    void durable(List<Object> attachments);

    /** The journal failed; nothing appended after the last durable batch will be durable. */
    void failed(IOException cause);
  }

  private final Path dir;
  private final long segmentBytes;
  private final long commitIntervalNanos;
  private final int maxBuffered;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition hasWork = lock.newCondition();
  private final Condition drained = lock.newCondition();
  private final Condition durableAdvanced = lock.newCondition();
  private final JournalBatch batch = new JournalBatch();
  private long nextPosition;
  private volatile long durablePosition;
  private long appended;
  private volatile long fsyncs;
  private boolean closing;
  /** The committer wrote everything and stopped (under the lock). */
  private boolean committerDone;
  private IOException failure;

  private final JournalSegments segments;
  private final JournalTail tail;
  /** The committer thread, or null when the journal is committed by hand ({@link #commit}). */
  private final Thread committer;
  private final JournalNotifier notifier;

  private Journal(Path dir, long segmentBytes, long commitIntervalNanos, int maxBuffered,
      LongConsumer onRoll, Listener listener, java.util.NavigableMap<Long, JournalFiles.Segment> segs, long end,
      boolean manual) throws IOException {
    this.dir = dir;
    this.segmentBytes = segmentBytes;
    this.commitIntervalNanos = commitIntervalNanos;
    this.maxBuffered = maxBuffered;
    this.segments = new JournalSegments(dir, segs);
    this.nextPosition = end;
    this.durablePosition = end;
    this.tail = new JournalTail(dir, segments, onRoll, segs.lastEntry().getValue().path(),
        segs.lastKey(), end);
    if (manual) {
      this.committer = null;
      this.notifier = JournalNotifier.synchronous(dir, listener);
    } else {
      this.notifier = JournalNotifier.threaded(dir, listener);
      this.committer = new Thread(this::commitLoop, "meridian-journal-commit");
      this.committer.setDaemon(true);
      this.committer.start();
    }
  }

  static Path segmentPath(Path dir, long base) {
    return JournalFiles.segmentPath(dir, base);
  }

  /** Creates an empty journal in {@code dir} starting at position 0; returns its end position. */
  static long create(Path dir) throws IOException {
    Files.createDirectories(dir);
    JournalFiles.writeSegmentHeader(JournalFiles.segmentPath(dir, 0), 0);
    Storage.fsyncDirectory(dir);
    return SEGMENT_HEADER;
  }

  /**
   * Opens the journal for appending at {@code end} (as returned by {@link JournalFiles#recover});
   * the last segment must be of the current version. A {@code manual} journal has no threads:
   * nothing is written until {@link #commit} is called (a simulation drives it).
   */
  static Journal open(Path dir, java.util.NavigableMap<Long, JournalFiles.Segment> segments, long end,
      long segmentBytes, long commitIntervalNanos, int maxBuffered, LongConsumer onRoll,
      Listener listener, boolean manual) throws IOException {
    if (segments.lastEntry().getValue().version() != JournalFiles.VERSION) {
      throw new IllegalStateException("the last journal segment is of an older version");
    }
    return new Journal(dir, segmentBytes, commitIntervalNanos, maxBuffered, onRoll, listener,
        segments, end, manual);
  }

  // ---- appending ------------------------------------------------------------------------------

  /** An appended record: where it starts and ends, and a future done when it is durable. */
  record Appended(long position, long end, CompletableFuture<Void> durable) {}

  /**
   * Appends one record. With {@code durable} the future completes after the fsync that holds it;
   * otherwise it is already complete, and the record is fsynced within the commit interval.
   * {@code attach}, unless null, is called with the record's end position (under the journal's
   * lock, so keep it trivial) and what it returns reaches the listener once the record is durable.
   *
   * @throws StoreException if the journal failed or is closed
   */
  Appended append(byte[] payload, boolean durable, java.util.function.LongFunction<Object> attach)
      throws StoreException {
    if (payload.length > JournalFiles.MAX_RECORD) {
      throw new IllegalArgumentException("record of " + payload.length + " bytes is too large");
    }
    lock.lock();
    try {
      while (batch.bytes() >= maxBuffered && failure == null && !closing) {
        drained.awaitUninterruptibly();
      }
      checkUsable();
      long position = batch.add(payload, nextPosition); // design note [2]
      nextPosition = position + JournalFiles.RECORD_HEADER + payload.length;
      appended++;
      if (attach != null) {
        batch.attach(attach.apply(nextPosition));
      }
      CompletableFuture<Void> future = durable ? batch.awaitDurable()
          : CompletableFuture.completedFuture(null);
      hasWork.signal();
      return new Appended(position, nextPosition, future);
    } finally {
      lock.unlock();
    }
  }

  private void checkUsable() throws StoreException {
    if (failure != null) {
      throw new StoreException(StoreException.Reason.FAILED, dir, "the journal " + dir
          + " failed (" + failure.getMessage() + "); reopen the store", failure);
    }
    if (closing) {
      throw new StoreException(StoreException.Reason.FAILED, dir, "the journal " + dir
          + " is closed");
    }
  }

  /** Records appended since open. */
  long appendedRecords() {
    lock.lock();
    try {
      return appended;
    } finally {
      lock.unlock();
    }
  }

  /** Fsyncs of appended records since open. */
  long fsyncs() {
    return fsyncs;
  }

  /** The position up to which every record is fsynced. */
  long durablePosition() {
    return durablePosition;
  }

  /** Waits until everything appended so far is fsynced. */
  void flush() throws StoreException {
    if (committer == null) {
      commit();
      return;
    }
    long target;
    lock.lock();
    try {
      target = nextPosition;
      batch.wantDurable();
      hasWork.signal();
    } finally {
      lock.unlock();
    }
    awaitDurable(target);
  }

  /**
   * Waits until every record ending at or before {@code position} is fsynced.
   *
   * @throws StoreException if the journal fails (or closes) first
   */
  void awaitDurable(long position) throws StoreException {
    if (durablePosition >= position) {
      return;
    }
    if (committer == null) {
      commit(); // a manual journal: the reader commits, at a point its driver chose
      return;
    }
    lock.lock();
    try {
      batch.wantDurable(); // a reader waits: do not wait for company
      hasWork.signal();
      while (durablePosition < position) {
        if (failure != null || committerDone) {
          checkUsable();
        }
        durableAdvanced.awaitUninterruptibly();
      }
    } finally {
      lock.unlock();
    }
  }

  private void commitLoop() {
    ByteBuffer spare = ByteBuffer.allocate(1 << 16);
    while (true) {
      lock.lock();
      try {
        while (batch.bytes() == 0 && !closing) {
          hasWork.awaitUninterruptibly();
        }
        if (batch.bytes() == 0 && closing) {
          committerDone = true; // before the signal: a waiter that wakes must see it
          durableAdvanced.signalAll();
          return;
        }
        // Asynchronous records alone wait up to the commit interval for company.
        while (!batch.hasDurable() && !closing) {
          long left = batch.firstNanos() + commitIntervalNanos - System.nanoTime();
          if (left <= 0) {
            break;
          }
          try {
            hasWork.awaitNanos(left);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            break;
          }
        }
      } finally {
        lock.unlock();
      }
      spare = commitBatch(spare);
      if (spare == null) {
        return;
      }
    }
  }

  /**
   * Writes and fsyncs what is buffered, on the calling thread; for a journal opened {@code manual}
   * (a simulation's), where nothing else commits. Does nothing if nothing is buffered.
   *
   * @throws StoreException if the journal failed (now or before)
   */
  void commit() throws StoreException {
    if (committer != null) {
      throw new IllegalStateException("the journal commits on its own thread");
    }
    lock.lock();
    try {
      checkUsable();
      if (batch.bytes() == 0) {
        return;
      }
    } finally {
      lock.unlock();
    }
    if (commitBatch(ByteBuffer.allocate(1 << 16)) == null) {
      lock.lock();
      try {
        checkUsable();
      } finally {
        lock.unlock();
      }
    }
  }

  /** Takes the buffered batch, writes and fsyncs it; returns a spare buffer, or null on failure. */
  @SuppressWarnings("NonAtomicVolatileUpdate") // fsyncs: the committer is its only writer
  private ByteBuffer commitBatch(ByteBuffer spare) {
    JournalBatch.Taken taken;
    long batchEnd;
    boolean rollAfter;
    lock.lock();
    try {
      taken = batch.take(spare);
      batchEnd = nextPosition;
      rollAfter = batchEnd - tail.base() >= segmentBytes;
      if (rollAfter) {
        nextPosition += SEGMENT_HEADER; // later records go to the next segment
      }
      drained.signalAll();
    } finally {
      lock.unlock();
    }
    try {
      tail.write(taken.bytes(), taken.start());
      tail.force();
      fsyncs++;
      setDurable(batchEnd);
      notifier.done(taken.done());
      if (rollAfter) {
        tail.roll(batchEnd);
        setDurable(batchEnd + SEGMENT_HEADER);
      }
    } catch (IOException | RuntimeException e) {
      failBatch(taken.done(), taken.start(), e);
      return null;
    }
    return taken.bytes();
  }

  private void setDurable(long position) {
    lock.lock();
    try {
      durablePosition = position;
      durableAdvanced.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /**
   * A batch's write or fsync failed: cut it off the file (so a reopen cannot read back pages the
   * kernel kept), fail its writers and everyone after, and stop.
   */
  private void failBatch(JournalNotifier.Done batchDone, long start, Throwable e) {
    LOG.error("journal write or fsync failed in {}; the store accepts no more writes until it is"
        + " reopened", dir, e);
    tail.cutAt(start);
    IOException cause = e instanceof IOException io ? io : new IOException(e);
    List<CompletableFuture<Void>> failed = new ArrayList<>(batchDone.waiters());
    lock.lock();
    try {
      failure = cause;
      failed.addAll(batch.abandon());
      drained.signalAll();
      durableAdvanced.signalAll();
    } finally {
      lock.unlock();
    }
    notifier.done(new JournalNotifier.Done(failed, List.of(), cause));
  }

  // ---- reading back and trimming (JournalSegments) -------------------------------------------

  void read(long from, long to, JournalFiles.RecordVisitor visitor) throws IOException {
    segments.read(from, to, visitor);
  }

  void deleteBefore(long position) throws IOException {
    segments.deleteBefore(position);
  }

  /** The segment files holding positions from {@code position} on: base to file, ascending. */
  java.util.NavigableMap<Long, Path> segmentsFrom(long position) {
    return segments.from(position);
  }

  long sizeOnDisk() {
    return segments.sizeOnDisk();
  }

  /**
   * Writes and fsyncs what is buffered (a manual journal drops it, as a crash would: its driver
   * commits first), stops the committer and the notifier, closes the file.
   */
  @Override
  public void close() throws IOException {
    lock.lock();
    try {
      closing = true;
      hasWork.signalAll();
    } finally {
      lock.unlock();
    }
    try {
      if (committer != null) {
        committer.join(TimeUnit.SECONDS.toMillis(30));
      }
      notifier.stop();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    tail.close();
  }
}
