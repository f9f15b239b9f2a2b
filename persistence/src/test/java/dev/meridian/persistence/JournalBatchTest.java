package dev.meridian.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How recovery tells a torn last batch (a power cut: sectors of the unsynced batch read as zeros,
 * in any order) from damage to acknowledged records (JournalFiles, design note [3]).
 */
class JournalBatchTest {
  private static final int DOCS = 10;
  private static final String BIG = "x".repeat(3000); // a batch over several sectors

  @TempDir Path tmp;

  private static StoreOptions options(Path dir) {
    return StoreOptions.in(dir).checkpointInterval(Duration.ofHours(1))
        .checkpointBytes(1L << 40).build();
  }

  /** Writes DOCS documents, one batch each, and stops as a crash would. */
  private Path crashAfterWrites() throws Exception {
    Path dir = tmp.resolve("store");
    MapDbDocStore s = MapDbDocStore.open(options(dir));
    for (int i = 0; i < DOCS; i++) {
      int ii = i;
      s.update("doc" + i, d -> {
        d.set("v", (long) ii);
        return d.set("pad", BIG + ii);
      }).join();
    }
    s.crash();
    return dir;
  }

  private static Path segment(Path dir) throws Exception {
    try (var files = Files.list(dir.resolve(MapDbDocStore.JOURNAL_DIR))) {
      return files.filter(p -> p.toString().endsWith(".log")).sorted().reduce((a, b) -> b)
          .orElseThrow();
    }
  }

  /** The offsets of the batch markers in a segment, and its length last. */
  private static List<Long> batches(Path segment) throws Exception {
    byte[] b = Files.readAllBytes(segment);
    List<Long> out = new ArrayList<>();
    int o = JournalFiles.SEGMENT_HEADER;
    while (o + JournalFiles.RECORD_HEADER <= b.length) {
      int len = ByteBuffer.wrap(b, o, 4).getInt();
      if (JournalRecords.isBatch(b, o + JournalFiles.RECORD_HEADER, len)) {
        out.add((long) o);
      }
      o += JournalFiles.RECORD_HEADER + len;
    }
    out.add((long) b.length);
    return out;
  }

  /** Zeros the 512-byte sector that starts at the first boundary past {@code from}. */
  private static long zeroSectorAfter(Path file, long from) throws Exception {
    long sector = (from / 512 + 1) * 512;
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.seek(sector);
      f.write(new byte[512]);
    }
    return sector;
  }

  @Test
  void zerosInsideTheLastBatch_areATornWrite_theBatchIsDropped() throws Exception {
    Path dir = crashAfterWrites();
    Path seg = segment(dir);
    List<Long> b = batches(seg);
    long lastBatch = b.get(b.size() - 2);
    long end = b.get(b.size() - 1);
    long sector = zeroSectorAfter(seg, lastBatch + 600);
    assertTrue(sector + 512 < end, "the zeroed sector has data after it in the same batch");
    try (MapDbDocStore s = MapDbDocStore.open(options(dir))) {
      for (int i = 0; i < DOCS - 1; i++) {
        assertEquals((long) i, s.get("doc" + i).orElseThrow().get("v"));
      }
      assertFalse(s.get("doc" + (DOCS - 1)).isPresent(), "a torn batch was half applied");
      assertEquals(end - lastBatch, s.recoveryReport().tornBytes());
      s.update("after", d -> d.set("v", 1L)).join();
    }
    try (MapDbDocStore s = MapDbDocStore.open(options(dir))) {
      assertTrue(s.get("after").isPresent());
      assertEquals(0, s.recoveryReport().tornBytes());
    }
  }

  @Test
  void zerosInsideAnEarlierBatch_areDamage_theOpenIsRefusedNamingTheSegment() throws Exception {
    Path dir = crashAfterWrites();
    Path seg = segment(dir);
    List<Long> b = batches(seg);
    zeroSectorAfter(seg, b.get(b.size() - 3) + 600); // inside the batch before the last
    StoreException e = assertThrows(StoreException.class,
        () -> MapDbDocStore.open(options(dir)).close());
    assertEquals(StoreException.Reason.CORRUPT, e.reason(), e.getMessage());
    assertEquals(seg, e.file());
    assertTrue(e.getMessage().contains("acknowledged records are damaged"), e.getMessage());
  }

  @Test
  void flippedByteInTheLastBatch_withoutZeros_isDamage() throws Exception {
    Path dir = crashAfterWrites();
    Path seg = segment(dir);
    List<Long> b = batches(seg);
    try (RandomAccessFile f = new RandomAccessFile(seg.toFile(), "rw")) {
      long at = b.get(b.size() - 2) + 700;
      f.seek(at);
      int x = f.read();
      f.seek(at);
      f.write(x ^ 0x5a);
    }
    StoreException e = assertThrows(StoreException.class,
        () -> MapDbDocStore.open(options(dir)).close());
    assertEquals(StoreException.Reason.CORRUPT, e.reason(), e.getMessage());
  }

  @Test
  void lastBatchCutShort_isATornWrite() throws Exception {
    Path dir = crashAfterWrites();
    Path seg = segment(dir);
    List<Long> b = batches(seg);
    long lastBatch = b.get(b.size() - 2);
    try (RandomAccessFile f = new RandomAccessFile(seg.toFile(), "rw")) {
      f.setLength(lastBatch + 1000);
    }
    try (MapDbDocStore s = MapDbDocStore.open(options(dir))) {
      assertTrue(s.get("doc" + (DOCS - 2)).isPresent());
      assertFalse(s.get("doc" + (DOCS - 1)).isPresent());
    }
  }
}
