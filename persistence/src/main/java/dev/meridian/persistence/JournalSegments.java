package dev.meridian.persistence;

import static dev.meridian.persistence.JournalFiles.RECORD_HEADER;
import static dev.meridian.persistence.JournalFiles.SEGMENT_HEADER;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The journal's segment files while it runs: reading records back (for checkpoints), deleting the
 * segments both MapDB files hold. Thread-safe: the segment table has its own monitor (the
 * committer adds segments, the checkpointer reads and deletes).
 */
final class JournalSegments {
  private static final Logger LOG = LoggerFactory.getLogger(JournalSegments.class);

  private final Path dir;
  private final TreeMap<Long, Path> segments = new TreeMap<>();

  JournalSegments(Path dir, java.util.NavigableMap<Long, JournalFiles.Segment> found) {
    this.dir = dir;
    found.forEach((base, s) -> segments.put(base, s.path()));
  }

  /** The committer started segment {@code file} at {@code base}. */
  void added(long base, Path file) {
    synchronized (segments) {
      segments.put(base, file);
    }
  }

  /**
   * Reads the records in {@code [from, to)}, batch markers left out; both must be record
   * boundaries at or below the durable position.
   */
  void read(long from, long to, JournalFiles.RecordVisitor visitor) throws IOException {
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
          if (lengthCrc != JournalFiles.crcOfLength(length) || length < 0
              || length > JournalFiles.MAX_RECORD) {
            throw new IOException("journal " + entry.getValue() + ": bad record header at "
                + position);
          }
          byte[] payload = new byte[length];
          in.readFully(payload);
          if (JournalFiles.crc(payload, 0, length) != payloadCrc) {
            throw new IOException("journal " + entry.getValue() + ": bad checksum at " + position);
          }
          long end = position + RECORD_HEADER + length;
          if (!JournalRecords.isBatch(payload, 0, length)) {
            visitor.record(position, end, payload);
          }
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

  /** Bytes of the segment files. */
  /** The segments holding positions from {@code position} on: base to file, ascending. */
  java.util.NavigableMap<Long, Path> from(long position) {
    synchronized (segments) {
      Long start = segments.floorKey(position);
      return new TreeMap<>(start == null ? segments : segments.tailMap(start, true));
    }
  }

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

}
