package dev.meridian.persistence;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongConsumer;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The append-only, checksummed journal that acknowledges writes, with group commit.
 *
 * <p>Writers {@link #append} records; one committer thread writes everything appended since its
 * last fsync in one write and one fsync, so concurrent writers share an fsync. A durable append's
 * future completes after the fsync that holds it. A batch of only asynchronous appends waits at
 * most the commit interval for company before it is written and fsynced.
 *
 * <p>Positions are byte offsets in one address space over all segment files: segment {@code
 * journal/<base>.log} holds positions {@code [base, base + size)}, its 24-byte header included.
 */
final class Journal implements Closeable {
  /*
   * Design notes.
   * [1] Record: u32 length, u32 crc32c(length), u32 crc32c(payload), payload. The length has its
   *     own checksum so a flipped length is told apart from a torn tail (a torn tail is a prefix
   *     of a record: an incomplete header, or a payload running past the end of the file).
   * [2] Only the last segment may end in a torn record or in zeros; a complete record whose
   *     checksum fails is corruption, never silently dropped (the caller decides: if every record
   *     from there on is also in a clean MapDB file, nothing is lost; else it refuses to open).
   * [3] Segments roll after a batch, when the current one is past the segment size. A segment
   *     whose base is not the previous one's end is a gap: refused.
   */
  private static final Logger LOG = LoggerFactory.getLogger(Journal.class);

  static final int SEGMENT_HEADER = 24;
  static final int RECORD_HEADER = 12;
  static final int MAX_RECORD = 64 << 20;
  private static final long MAGIC = 0x4d52444e4a524e4cL; // "MRDNJRNL"
  private static final int VERSION = 1;
  private static final String SUFFIX = ".log";

  private final Path dir;
  private final long segmentBytes;
  private final long commitIntervalNanos;
  private final int maxBuffered;
  private final LongConsumer onRoll;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition hasWork = lock.newCondition();
  private final Condition drained = lock.newCondition();
  private final Condition durableAdvanced = lock.newCondition();
  private ByteBuffer buffer = ByteBuffer.allocate(1 << 16);
  private List<CompletableFuture<Void>> waiters = new ArrayList<>();
  private boolean batchHasDurable;
  private long firstAsyncNanos;
  private long nextPosition;
  private volatile long durablePosition;
  private long appended;
  private volatile long fsyncs;
  private boolean closing;
  private IOException failure;

  // Owned by the committer thread.
  private final TreeMap<Long, Path> segments = new TreeMap<>();
  private FileChannel channel;
  private volatile long segmentBase;
  private final Thread committer;

  private Journal(Path dir, long segmentBytes, long commitIntervalNanos, int maxBuffered,
      LongConsumer onRoll, TreeMap<Long, Path> segments, long end) throws IOException {
    this.dir = dir;
    this.segmentBytes = segmentBytes;
    this.commitIntervalNanos = commitIntervalNanos;
    this.maxBuffered = maxBuffered;
    this.onRoll = onRoll;
    this.segments.putAll(segments);
    this.nextPosition = end;
    this.durablePosition = end;
    this.segmentBase = segments.lastKey();
    this.channel = FileChannel.open(segments.lastEntry().getValue(), StandardOpenOption.WRITE);
    this.channel.position(end - segmentBase);
    this.committer = new Thread(this::commitLoop, "meridian-journal-commit");
    this.committer.setDaemon(true);
    this.committer.start();
  }

  // ---- creating, scanning and opening ---------------------------------------------------------

  /** Creates an empty journal in {@code dir} starting at position 0; returns its end position. */
  static long create(Path dir) throws IOException {
    Files.createDirectories(dir);
    Path file = segmentPath(dir, 0);
    writeSegmentHeader(file, 0);
    Storage.fsyncDirectory(dir);
    return SEGMENT_HEADER;
  }

  /** The segments found in {@code dir}, by base position, headers checked. */
  static TreeMap<Long, Path> listSegments(Path dir) throws StoreException {
    TreeMap<Long, Path> found = new TreeMap<>();
    if (!Files.isDirectory(dir)) {
      throw new StoreException(StoreException.Reason.MISSING_FILE, dir,
          "the journal directory " + dir + " is missing");
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
      for (Path file : files) {
        String name = file.getFileName().toString();
        if (!name.endsWith(SUFFIX) || name.length() != 16 + SUFFIX.length()) {
          if (name.endsWith(".tmp")) {
            continue;
          }
          throw new StoreException(StoreException.Reason.FOREIGN_FILE, file,
              "unexpected file " + file + " in the journal directory");
        }
        long base;
        try {
          base = Long.parseUnsignedLong(name.substring(0, 16), 16);
        } catch (NumberFormatException e) {
          throw new StoreException(StoreException.Reason.FOREIGN_FILE, file,
              "unexpected file " + file + " in the journal directory", e);
        }
        checkSegmentHeader(file, base);
        found.put(base, file);
      }
    } catch (StoreException e) {
      throw e;
    } catch (IOException e) {
      throw new StoreException(StoreException.Reason.CORRUPT, dir,
          "cannot list the journal directory " + dir, e);
    }
    if (found.isEmpty()) {
      throw new StoreException(StoreException.Reason.MISSING_FILE, dir,
          "the journal directory " + dir + " holds no segment");
    }
    return found;
  }

  /** Receives records read from the journal. */
  @FunctionalInterface
  interface RecordVisitor {
    /** The record at {@code position}, {@code end} the position after it. */
    void record(long position, long end, byte[] payload) throws IOException;
  }

  /** Where a scan stopped. */
  record ScanResult(long end, long tornBytes) {}

  /**
   * Reads every record from {@code from} to the end of the journal, checking checksums, and
   * truncates a torn tail of the last segment (dropping an incomplete record, or zeros).
   *
   * @throws StoreException naming the segment and offset of a corrupt record, or a gap
   */
  static ScanResult recover(Path dir, TreeMap<Long, Path> segments, long from, RecordVisitor visitor)
      throws IOException {
    Long startBase = segments.floorKey(from);
    if (startBase == null) {
      Path first = segments.firstEntry().getValue();
      throw new StoreException(StoreException.Reason.MISSING_FILE, first,
          "the journal starts at " + segments.firstKey() + " (" + first
              + ") but position " + from + " is needed: a segment is missing");
    }
    long position = from;
    long torn = 0;
    for (var entry : segments.tailMap(startBase, true).entrySet()) {
      long base = entry.getKey();
      Path file = entry.getValue();
      boolean last = base == segments.lastKey();
      if (base != startBase && position != base) {
        throw new StoreException(StoreException.Reason.MISSING_FILE, file,
            "the journal has a gap: " + file + " starts at " + base
                + " but the segment before it ends at " + position);
      }
      position = Math.max(position, base + SEGMENT_HEADER);
      long size = Files.size(file);
      if (position - base > size) {
        throw new StoreException(StoreException.Reason.CORRUPT, file,
            "journal segment " + file + " ends at " + (base + size) + ", before position "
                + position + " that the store has already recorded: the journal was truncated");
      }
      try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
        DataInputStream in = new DataInputStream(new BufferedInputStream(
            Channels.newInputStream(ch.position(position - base)), 1 << 16));
        long offset = position - base;
        while (offset < size) {
          long remaining = size - offset;
          String problem = null;
          byte[] payload = null;
          if (remaining < RECORD_HEADER) {
            problem = "torn";
          } else {
            int length = in.readInt();
            int lengthCrc = in.readInt();
            int payloadCrc = in.readInt();
            if (lengthCrc != crcOfLength(length) || length < 0 || length > MAX_RECORD) {
              problem = length == 0 && lengthCrc == 0 && payloadCrc == 0
                  && allZero(ch, offset, size) ? "torn" : "corrupt header";
            } else if (length > remaining - RECORD_HEADER) {
              problem = "torn";
            } else {
              payload = new byte[length];
              in.readFully(payload);
              if (crc(payload, 0, length) != payloadCrc) {
                problem = "corrupt payload";
              }
            }
          }
          if (problem != null) {
            if (problem.equals("torn") && last) {
              torn = size - offset;
              LOG.warn("journal segment {}: dropping a torn tail of {} bytes at offset {}", file,
                  torn, offset);
              try (FileChannel w = FileChannel.open(file, StandardOpenOption.WRITE)) {
                w.truncate(offset);
                w.force(true);
              }
              return new ScanResult(base + offset, torn);
            }
            throw new StoreException(StoreException.Reason.CORRUPT, file,
                "journal segment " + file + " has a " + problem + " record at offset " + offset
                    + " (position " + (base + offset) + ")");
          }
          long end = offset + RECORD_HEADER + payload.length;
          visitor.record(base + offset, base + end, payload);
          offset = end;
        }
        position = base + size;
      }
    }
    return new ScanResult(position, torn);
  }

  /** Opens the journal for appending at {@code end} (as returned by {@link #recover}). */
  static Journal open(Path dir, TreeMap<Long, Path> segments, long end, long segmentBytes,
      long commitIntervalNanos, int maxBuffered, LongConsumer onRoll) throws IOException {
    return new Journal(dir, segmentBytes, commitIntervalNanos, maxBuffered, onRoll, segments, end);
  }

  // ---- appending ------------------------------------------------------------------------------

  /** An appended record: where it starts, and a future done when it is durable. */
  record Appended(long position, long end, CompletableFuture<Void> durable) {}

  /**
   * Appends one record. With {@code durable} the future completes after the fsync that holds it;
   * otherwise it is already complete, and the record is fsynced within the commit interval.
   *
   * @throws StoreException if the journal failed or is closed
   */
  Appended append(byte[] payload, boolean durable) throws StoreException {
    if (payload.length > MAX_RECORD) {
      throw new IllegalArgumentException("record of " + payload.length + " bytes is too large");
    }
    lock.lock();
    try {
      while (buffer.position() >= maxBuffered && failure == null && !closing) {
        drained.awaitUninterruptibly();
      }
      if (failure != null || closing) {
        throw new StoreException(StoreException.Reason.FAILED, dir,
            closing ? "the journal " + dir + " is closed" : "the journal " + dir + " failed",
            failure);
      }
      int need = RECORD_HEADER + payload.length;
      if (buffer.remaining() < need) {
        ByteBuffer bigger = ByteBuffer.allocate(Math.max(buffer.capacity() * 2,
            buffer.position() + need));
        buffer.flip();
        bigger.put(buffer);
        buffer = bigger;
      }
      buffer.putInt(payload.length).putInt(crcOfLength(payload.length))
          .putInt(crc(payload, 0, payload.length)).put(payload);
      long position = nextPosition;
      nextPosition += need;
      appended++;
      CompletableFuture<Void> future;
      if (durable) {
        future = new CompletableFuture<>();
        waiters.add(future);
        batchHasDurable = true;
      } else {
        future = CompletableFuture.completedFuture(null);
        if (buffer.position() == need) {
          firstAsyncNanos = System.nanoTime();
        }
      }
      hasWork.signal();
      return new Appended(position, nextPosition, future);
    } finally {
      lock.unlock();
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

  /** The position the next record will get. */
  long endPosition() {
    lock.lock();
    try {
      return nextPosition;
    } finally {
      lock.unlock();
    }
  }

  /** Waits until everything appended so far is fsynced. */
  void flush() throws StoreException {
    lock.lock();
    try {
      long target = nextPosition;
      batchHasDurable = true;
      hasWork.signal();
      while (durablePosition < target && failure == null) {
        durableAdvanced.awaitUninterruptibly();
      }
      if (failure != null) {
        throw new StoreException(StoreException.Reason.FAILED, dir, "the journal failed", failure);
      }
    } finally {
      lock.unlock();
    }
  }

  /** Waits up to {@code nanos} for the durable position to pass {@code position}. */
  void awaitDurableBeyond(long position, long nanos) throws InterruptedException {
    lock.lock();
    try {
      long deadline = System.nanoTime() + nanos;
      while (durablePosition <= position && !closing && failure == null) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return;
        }
        durableAdvanced.awaitNanos(left);
      }
    } finally {
      lock.unlock();
    }
  }

  private void commitLoop() {
    ByteBuffer spare = ByteBuffer.allocate(1 << 16);
    while (true) {
      ByteBuffer batch;
      List<CompletableFuture<Void>> batchWaiters;
      long batchEnd;
      boolean rollAfter;
      lock.lock();
      try {
        while (buffer.position() == 0 && !closing) {
          hasWork.awaitUninterruptibly();
        }
        if (buffer.position() == 0 && closing) {
          durableAdvanced.signalAll();
          return;
        }
        // Asynchronous records alone wait up to the commit interval for company.
        while (!batchHasDurable && !closing) {
          long left = firstAsyncNanos + commitIntervalNanos - System.nanoTime();
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
        batch = buffer;
        buffer = spare.capacity() >= batch.capacity() / 2 ? spare : ByteBuffer.allocate(
            batch.capacity());
        buffer.clear();
        batchWaiters = waiters;
        waiters = new ArrayList<>();
        batchHasDurable = false;
        batchEnd = nextPosition;
        rollAfter = batchEnd - segmentBase >= segmentBytes;
        if (rollAfter) {
          // Later records go to the next segment, after its header.
          nextPosition += SEGMENT_HEADER;
        }
        drained.signalAll();
      } finally {
        lock.unlock();
      }
      try {
        batch.flip();
        while (batch.hasRemaining()) {
          channel.write(batch);
        }
        CrashPoints.at(CrashPoints.JOURNAL_WRITE);
        CrashPoints.at(CrashPoints.JOURNAL_FSYNC);
        channel.force(false);
        fsyncs++;
        lock.lock();
        try {
          durablePosition = batchEnd;
          durableAdvanced.signalAll();
        } finally {
          lock.unlock();
        }
        for (CompletableFuture<Void> w : batchWaiters) {
          w.complete(null);
        }
        if (rollAfter) {
          roll(batchEnd);
          lock.lock();
          try {
            durablePosition = batchEnd + SEGMENT_HEADER;
            durableAdvanced.signalAll();
          } finally {
            lock.unlock();
          }
        }
      } catch (IOException | RuntimeException e) {
        LOG.error("journal write failed in {}; the store accepts no more writes", dir, e);
        lock.lock();
        try {
          failure = e instanceof IOException ? (IOException) e : new IOException(e);
          StoreException failed = new StoreException(StoreException.Reason.FAILED, dir,
              "the journal write failed", e);
          batchWaiters.addAll(waiters);
          waiters.clear();
          for (CompletableFuture<Void> w : batchWaiters) {
            w.completeExceptionally(failed);
          }
          drained.signalAll();
          durableAdvanced.signalAll();
        } finally {
          lock.unlock();
        }
        return;
      }
      spare = batch;
    }
  }

  private void roll(long base) throws IOException {
    Path file = segmentPath(dir, base);
    writeSegmentHeader(file, base);
    Storage.fsyncDirectory(dir);
    CrashPoints.at(CrashPoints.JOURNAL_ROLL);
    FileChannel next = FileChannel.open(file, StandardOpenOption.WRITE);
    next.position(SEGMENT_HEADER);
    channel.close();
    channel = next;
    synchronized (segments) {
      segments.put(base, file);
    }
    segmentBase = base;
    onRoll.accept(base);
  }

  // ---- reading back and trimming --------------------------------------------------------------

  /**
   * Reads the records in {@code [from, to)}; both must be record boundaries at or below the durable
   * position.
   */
  void read(long from, long to, RecordVisitor visitor) throws IOException {
    TreeMap<Long, Path> segs;
    synchronized (segments) {
      segs = new TreeMap<>(segments);
    }
    Long startBase = segs.floorKey(from);
    if (startBase == null) {
      throw new IOException("journal position " + from + " was already deleted");
    }
    long position = from;
    for (var entry : segs.tailMap(startBase, true).entrySet()) {
      if (position >= to) {
        return;
      }
      long base = entry.getKey();
      Long nextBase = segs.higherKey(base);
      long stop = nextBase == null ? to : Math.min(to, nextBase);
      position = Math.max(position, base + SEGMENT_HEADER);
      try (FileChannel ch = FileChannel.open(entry.getValue(), StandardOpenOption.READ)) {
        InputStream raw = Channels.newInputStream(ch.position(position - base));
        DataInputStream in = new DataInputStream(new BufferedInputStream(raw, 1 << 16));
        while (position < stop) {
          int length = in.readInt();
          int lengthCrc = in.readInt();
          int payloadCrc = in.readInt();
          if (lengthCrc != crcOfLength(length) || length < 0 || length > MAX_RECORD) {
            throw new IOException("journal " + entry.getValue() + ": bad record header at "
                + position);
          }
          byte[] payload = new byte[length];
          in.readFully(payload);
          if (crc(payload, 0, length) != payloadCrc) {
            throw new IOException("journal " + entry.getValue() + ": bad checksum at " + position);
          }
          long end = position + RECORD_HEADER + length;
          visitor.record(position, end, payload);
          position = end;
        }
      }
    }
    if (position < to) {
      throw new IOException("journal ends at " + position + " before " + to);
    }
  }

  /** Deletes the segments that hold only positions below {@code position}. */
  void deleteBefore(long position) throws IOException {
    List<Path> doomed = new ArrayList<>();
    synchronized (segments) {
      while (segments.size() > 1) {
        var first = segments.firstEntry();
        Long second = segments.higherKey(first.getKey());
        if (second == null || second > position) {
          break;
        }
        doomed.add(first.getValue());
        segments.pollFirstEntry();
      }
    }
    for (Path p : doomed) {
      Files.deleteIfExists(p);
      LOG.debug("deleted journal segment {}", p);
    }
    if (!doomed.isEmpty()) {
      Storage.fsyncDirectory(dir);
    }
  }

  /** The base of the last segment. */
  long lastSegmentBase() {
    synchronized (segments) {
      return segments.lastKey();
    }
  }

  /** Bytes of the segment files. */
  long sizeOnDisk() {
    long total = 0;
    synchronized (segments) {
      for (Path p : segments.values()) {
        try {
          total += Files.size(p);
        } catch (IOException e) {
          // a segment deleted meanwhile
        }
      }
    }
    return total;
  }

  /** Writes and fsyncs what is buffered, then stops the committer and closes the file. */
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
      committer.join(TimeUnit.SECONDS.toMillis(30));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    channel.close();
  }

  // ---- helpers --------------------------------------------------------------------------------

  static Path segmentPath(Path dir, long base) {
    return dir.resolve(String.format(Locale.ROOT, "%016x", base) + SUFFIX);
  }

  private static void writeSegmentHeader(Path file, long base) throws IOException {
    ByteBuffer header = ByteBuffer.allocate(SEGMENT_HEADER);
    header.putLong(MAGIC).putInt(VERSION).putLong(base);
    header.putInt(crc(header.array(), 0, 20));
    header.flip();
    // Written aside and renamed, so a crash never leaves a segment with a torn header.
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE,
        StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
      while (header.hasRemaining()) {
        ch.write(header);
      }
      ch.force(true);
    }
    Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  private static void checkSegmentHeader(Path file, long base) throws IOException {
    ByteBuffer header = ByteBuffer.allocate(SEGMENT_HEADER);
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      while (header.hasRemaining() && ch.read(header) >= 0) {
        // read on
      }
    }
    header.flip();
    if (header.remaining() < SEGMENT_HEADER || header.getLong(0) != MAGIC) {
      throw new StoreException(StoreException.Reason.FOREIGN_FILE, file,
          file + " is not a Meridian journal segment (bad magic)");
    }
    if (header.getInt(8) != VERSION) {
      throw new StoreException(StoreException.Reason.UNKNOWN_FORMAT, file,
          file + " is a journal segment of unknown version " + header.getInt(8));
    }
    if (header.getInt(20) != crc(header.array(), 0, 20) || header.getLong(12) != base) {
      throw new StoreException(StoreException.Reason.CORRUPT, file,
          "journal segment " + file + " has a corrupt header");
    }
  }

  private static boolean allZero(FileChannel ch, long from, long to) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(1 << 16);
    long p = from;
    while (p < to) {
      b.clear();
      int n = ch.read(b, p);
      if (n <= 0) {
        break;
      }
      for (int i = 0; i < n; i++) {
        if (b.get(i) != 0) {
          return false;
        }
      }
      p += n;
    }
    return true;
  }

  static int crc(byte[] bytes, int off, int len) {
    CRC32C c = new CRC32C();
    c.update(bytes, off, len);
    return (int) c.getValue();
  }

  private static int crcOfLength(int length) {
    byte[] b = {(byte) (length >>> 24), (byte) (length >>> 16), (byte) (length >>> 8),
        (byte) length};
    return crc(b, 0, 4) ^ 0x5bd1e995;
  }
}
