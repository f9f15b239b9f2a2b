package dev.meridian.persistence;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The journal's files on disk: segment names and headers, the record framing, and the recovery
 * scan that tells a torn last batch from damaged acknowledged records. Stateless; {@link Journal}
 * appends, this class reads.
 */
final class JournalFiles {
  /*
   * Design notes.
   * [1] Record: u32 length, u32 crc32c(length), u32 crc32c(payload), payload. The length has its
   *     own checksum so a flipped length is told apart from a short record.
   * [2] Batches (segment version 2). The committer writes each group commit as one batch that
   *     starts with a marker record: its own position, the batch's length and the crc32c of the
   *     bytes after the marker. A batch is acknowledged only after the fsync that holds all of it,
   *     so only the last batch of the last segment can be unsynced when power fails.
   * [3] How recovery tells a tear from damage. The journal only appends into fresh space (new
   *     files, or space cut off by a truncation), so a power cut leaves the unsynced batch short
   *     (the file ends inside it) or with whole sectors that read as zeros, in any order (pages
   *     are written back out of order). A bad spot in the last segment is a torn tail if no valid
   *     batch marker follows it and its batch is short, or holds a zero run of at least
   *     TEAR_ZEROS bytes that ends on a 512-byte boundary or at the end of the file; the whole
   *     batch is then dropped (none of it was acknowledged). Anything else (a flipped byte, a bad
   *     spot followed by a valid batch, or damage in an earlier segment) is damage to records
   *     that may have been acknowledged: the open is refused, naming the segment and offset.
   * [4] Version-1 segments (no batch markers) are read with the rule that only zeros or a short
   *     record may end the last segment. A store that opens a version-1 last segment rolls to a
   *     version-2 segment before it appends.
   */
  private static final Logger LOG = LoggerFactory.getLogger(JournalFiles.class);

  static final int SEGMENT_HEADER = 24;
  static final int RECORD_HEADER = 12;
  /** Above replication's largest delta (twice the peer's 32 MiB document limit) and framing. */
  static final int MAX_RECORD = 96 << 20;
  /** Bytes of a batch marker record: the header and its payload. */
  static final int MARKER_BYTES = RECORD_HEADER + JournalRecords.BATCH_PAYLOAD;
  static final int VERSION = 2;
  private static final int TEAR_ZEROS = 64;
  private static final long MAGIC = 0x4d52444e4a524e4cL; // "MRDNJRNL"
  private static final String SUFFIX = ".log";

  private JournalFiles() {}

  /** A segment file and the version of its header. */
  record Segment(Path path, int version) {}

  static Path segmentPath(Path dir, long base) {
    return dir.resolve(String.format(Locale.ROOT, "%016x", base) + SUFFIX);
  }

  /** Writes a segment header (aside, then renamed, so a crash never leaves a torn header). */
  static void writeSegmentHeader(Path file, long base) throws IOException {
    ByteBuffer header = ByteBuffer.allocate(SEGMENT_HEADER);
    header.putLong(MAGIC).putInt(VERSION).putLong(base);
    header.putInt(crc(header.array(), 0, 20));
    header.flip();
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE,
        StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
      while (header.hasRemaining()) {
        ch.write(header);
      }
      ch.force(true);
    }
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
  }

  /** The segments in {@code dir} by base position, headers checked. */
  static NavigableMap<Long, Segment> listSegments(Path dir) throws StoreException {
    TreeMap<Long, Segment> found = new TreeMap<>();
    if (!Files.isDirectory(dir)) {
      throw new StoreException(StoreException.Reason.MISSING_FILE, dir,
          "the journal directory " + dir + " is missing");
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
      for (Path file : files) {
        String name = file.getFileName().toString();
        if (name.endsWith(".tmp")) {
          continue;
        }
        long base;
        try {
          if (!name.endsWith(SUFFIX) || name.length() != 16 + SUFFIX.length()) {
            throw new NumberFormatException(name);
          }
          base = Long.parseUnsignedLong(name.substring(0, 16), 16);
        } catch (NumberFormatException e) {
          throw new StoreException(StoreException.Reason.FOREIGN_FILE, file,
              "unexpected file " + file + " in the journal directory", e);
        }
        found.put(base, new Segment(file, checkSegmentHeader(file, base)));
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

  private static int checkSegmentHeader(Path file, long base) throws IOException {
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
    int version = header.getInt(8);
    if (version != 1 && version != VERSION) {
      throw new StoreException(StoreException.Reason.UNKNOWN_FORMAT, file,
          file + " is a journal segment of version " + version + "; this build reads versions 1"
              + " and " + VERSION);
    }
    if (header.getInt(20) != crc(header.array(), 0, 20) || header.getLong(12) != base) {
      throw new StoreException(StoreException.Reason.CORRUPT, file,
          "journal segment " + file + " has a corrupt header");
    }
    return version;
  }

  /** Receives records read from the journal (batch markers are not passed on). */
  @FunctionalInterface
  interface RecordVisitor {
    /** The record at {@code position}, {@code end} the position after it. */
    void record(long position, long end, byte[] payload) throws IOException;
  }

  /** Where a scan stopped, and how many bytes of a torn tail it cut off. */
  record ScanResult(long end, long tornBytes) {}

  /**
   * Reads every record from {@code from} to the end of the journal, checking checksums and batches,
   * and truncates a torn last batch (design note [3]).
   *
   * @throws StoreException naming the segment and offset of damaged records, or a gap
   */
  static ScanResult recover(NavigableMap<Long, Segment> segments, long from, RecordVisitor visitor)
      throws IOException {
    Long startBase = segments.floorKey(from);
    if (startBase == null) {
      Path first = segments.firstEntry().getValue().path();
      throw new StoreException(StoreException.Reason.MISSING_FILE, first,
          "the journal starts at " + segments.firstKey() + " (" + first
              + ") but position " + from + " is needed: a segment is missing");
    }
    long position = from;
    for (var entry : segments.tailMap(startBase, true).entrySet()) {
      long base = entry.getKey();
      Path file = entry.getValue().path();
      if (base != startBase && position != base) {
        throw new StoreException(StoreException.Reason.MISSING_FILE, file,
            "the journal has a gap: " + file + " starts at " + base
                + " but the segment before it ends at " + position);
      }
      position = Math.max(position, base + SEGMENT_HEADER);
      byte[] bytes = Files.readAllBytes(file);
      if (position - base > bytes.length) {
        throw new StoreException(StoreException.Reason.CORRUPT, file,
            "journal segment " + file + " ends at " + (base + bytes.length) + ", before position "
                + position + " that the store has already recorded: the journal was truncated");
      }
      SegmentScan scan = new SegmentScan(bytes, base, entry.getValue().version() >= 2);
      int stop = scan.run((int) (position - base), visitor);
      if (stop < bytes.length) {
        String problem = scan.problem;
        boolean last = base == segments.lastKey();
        int cut = last ? scan.tornFrom(stop) : -1;
        if (cut < 0) {
          throw new StoreException(StoreException.Reason.CORRUPT, file,
              "journal segment " + file + " has a " + problem + " at offset " + stop
                  + " (position " + (base + stop) + "): acknowledged records are damaged");
        }
        long torn = (long) bytes.length - cut;
        LOG.warn("journal segment {}: dropping a torn last batch of {} bytes at offset {} ({})",
            file, torn, cut, problem);
        try (FileChannel w = FileChannel.open(file, StandardOpenOption.WRITE)) {
          w.truncate(cut);
          w.force(true);
        }
        if (scan.deliveredFrom(cut)) {
          throw new StoreException(StoreException.Reason.CORRUPT, file,
              "journal segment " + file + ": a torn batch at offset " + cut + " was already read");
        }
        return new ScanResult(base + cut, torn);
      }
      position = base + bytes.length;
    }
    // What was read may sit only in the page cache (a process killed before its fsync): make it
    // durable before anything is served from it.
    try (FileChannel w = FileChannel.open(segments.lastEntry().getValue().path(),
        StandardOpenOption.WRITE)) {
      w.force(true);
    }
    return new ScanResult(position, 0);
  }

  /**
   * One segment's scan. With batches, a batch's records are delivered only once its checksum held,
   * so a torn batch delivers nothing.
   */
  private static final class SegmentScan {
    private final byte[] b;
    private final long base;
    private final boolean batched;
    String problem;
    private int batchStart = -1;
    private int batchEnd = -1;
    private int lastDelivered = -1;

    SegmentScan(byte[] bytes, long base, boolean batched) {
      this.b = bytes;
      this.base = base;
      this.batched = batched;
    }

    /** Scans from {@code offset}; returns where it stopped (the length if it reached the end). */
    int run(int offset, RecordVisitor visitor) throws IOException {
      while (offset < b.length) {
        int end = recordEnd(offset);
        if (end < 0) {
          return offset;
        }
        int payload = offset + RECORD_HEADER;
        if (JournalRecords.isBatch(b, payload, end - payload)) {
          if (!batched || !batchValid(offset, end)) {
            problem = problem == null ? "batch marker that fails its checks" : problem;
            batchStart = offset;
            return offset;
          }
          batchStart = offset;
          batchEnd = offset + JournalRecords.batchLength(b, payload);
        } else {
          if (batched && (batchEnd < 0 || end > batchEnd)) {
            problem = "record outside any batch";
            return offset;
          }
          byte[] p = new byte[end - payload];
          System.arraycopy(b, payload, p, 0, p.length);
          visitor.record(base + offset, base + end, p);
          lastDelivered = offset;
        }
        offset = end;
      }
      return offset;
    }

    /** The end of the record at {@code offset}, or -1 (with {@link #problem} set). */
    private int recordEnd(int offset) {
      if (b.length - offset < RECORD_HEADER) {
        problem = "short record header";
        return -1;
      }
      ByteBuffer h = ByteBuffer.wrap(b, offset, RECORD_HEADER);
      int length = h.getInt();
      int lengthCrc = h.getInt();
      int payloadCrc = h.getInt();
      if (lengthCrc != crcOfLength(length) || length < 0 || length > MAX_RECORD) {
        problem = "corrupt record header";
        return -1;
      }
      if (length > b.length - offset - RECORD_HEADER) {
        problem = "short record";
        return -1;
      }
      if (crc(b, offset + RECORD_HEADER, length) != payloadCrc) {
        problem = "corrupt record payload";
        return -1;
      }
      return offset + RECORD_HEADER + length;
    }

    private boolean batchValid(int markerOffset, int markerEnd) {
      int payload = markerOffset + RECORD_HEADER;
      if (JournalRecords.batchPosition(b, payload) != base + markerOffset) {
        problem = "batch marker at the wrong position";
        return false;
      }
      long length = JournalRecords.batchLength(b, payload);
      if (length < MARKER_BYTES || markerOffset + length > b.length) {
        problem = "short batch";
        return false;
      }
      int bodyLength = (int) length - (markerEnd - markerOffset);
      if (crc(b, markerEnd, bodyLength) != JournalRecords.batchCrc(b, payload)) {
        problem = "batch that fails its checksum";
        return false;
      }
      return true;
    }

    /** Whether a record at or after {@code offset} was handed to the visitor. */
    boolean deliveredFrom(int offset) {
      return lastDelivered >= offset;
    }

    /**
     * Where a tear found at {@code stop} starts (the file is cut there), or -1 if the bad spot is
     * damage (design note [3]).
     */
    int tornFrom(int stop) {
      if (allZero(stop, b.length)) {
        return stop;
      }
      if (!batched) {
        return problem.startsWith("short") ? stop : -1;
      }
      // The bad spot is a batch's marker (or a record right after a batch), or inside the last
      // batch whose marker held: the tear, if it is one, starts at that batch.
      int start = batchStart < 0 || stop == batchEnd ? stop : batchStart;
      for (int o = stop + 1; o + MARKER_BYTES <= b.length; o++) {
        if (validMarkerAt(o)) {
          return -1; // a later batch was written after this one was durable
        }
      }
      boolean shortBatch = problem.startsWith("short");
      return shortBatch || hasTearZeros(start) ? start : -1;
    }

    private boolean validMarkerAt(int o) {
      if (b[o + RECORD_HEADER] != JournalRecords.BATCH_TYPE) {
        return false;
      }
      String saved = problem;
      try {
        int end = recordEnd(o);
        return end > 0 && JournalRecords.isBatch(b, o + RECORD_HEADER, end - o - RECORD_HEADER)
            && batchValid(o, end);
      } finally {
        problem = saved;
      }
    }

    private boolean hasTearZeros(int from) {
      int run = 0;
      for (int o = from; o < b.length; o++) {
        run = b[o] == 0 ? run + 1 : 0;
        if (run >= TEAR_ZEROS && ((o + 1) % 512 == 0 || o + 1 == b.length)) {
          return true;
        }
      }
      return false;
    }

    private boolean allZero(int from, int to) {
      for (int o = from; o < to; o++) {
        if (b[o] != 0) {
          return false;
        }
      }
      return true;
    }
  }

  // ---- framing --------------------------------------------------------------------------------

  /** Writes a record's header for {@code payload} of {@code length} bytes at {@code off}. */
  static void putHeader(ByteBuffer into, byte[] payload, int off, int length) {
    into.putInt(length).putInt(crcOfLength(length)).putInt(crc(payload, off, length));
  }

  static int crc(byte[] bytes, int off, int len) {
    CRC32C c = new CRC32C();
    c.update(bytes, off, len);
    return (int) c.getValue();
  }

  static int crcOfLength(int length) {
    byte[] b = {(byte) (length >>> 24), (byte) (length >>> 16), (byte) (length >>> 8),
        (byte) length};
    return crc(b, 0, 4) ^ 0x5bd1e995;
  }
}
