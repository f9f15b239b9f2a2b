package dev.meridian.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.meridian.crdt.doc.Document;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damaged data directories: each is either restored with nothing acknowledged lost, or refused
 * with a {@link StoreException} naming the file. Nothing is silently reset.
 */
class CorruptionTest {
  private static final int DOCS = 40;

  @TempDir Path tmp;

  private static StoreOptions options(Path dir) {
    // No checkpoint unless a test asks: what is written stays in the journal.
    return StoreOptions.in(dir).checkpointInterval(Duration.ofHours(1))
        .checkpointBytes(1L << 40).build();
  }

  /** Writes DOCS documents durably; closes cleanly or stops as a crash would. */
  private Path writeDocs(boolean clean) throws IOException {
    Path dir = tmp.resolve("store");
    MapDbDocStore s = MapDbDocStore.open(options(dir));
    for (int i = 0; i < DOCS; i++) {
      int ii = i;
      s.update("doc" + i, d -> d.set("v", (long) ii)).join();
    }
    if (clean) {
      s.close();
    } else {
      s.crash();
    }
    return dir;
  }

  private static void assertAllDocs(MapDbDocStore s, int n) {
    for (int i = 0; i < n; i++) {
      Optional<Document> d = s.get("doc" + i);
      assertTrue(d.isPresent(), "doc" + i + " lost");
      assertEquals((long) i, ((Number) d.get().get("v")).longValue());
    }
  }

  private static Path segment(Path dir) throws IOException {
    try (var s = Files.list(dir.resolve(MapDbDocStore.JOURNAL_DIR))) {
      return s.filter(p -> p.toString().endsWith(".log")).sorted().reduce((a, b) -> b)
          .orElseThrow();
    }
  }

  private static void flip(Path file, long offset) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.seek(offset);
      int b = f.read();
      f.seek(offset);
      f.write(b ^ 0x5a);
    }
  }

  private static StoreException refused(Path dir, StoreException.Reason reason, Path file) {
    StoreException e = assertThrows(StoreException.class,
        () -> MapDbDocStore.open(options(dir)).close());
    assertEquals(reason, e.reason(), e.getMessage());
    assertEquals(file, e.file(), e.getMessage());
    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    return e;
  }

  // ---- journal ----------------------------------------------------------------------------------

  @Test
  void tornJournalTail_dropsOnlyTheTornRecord() throws Exception {
    Path dir = writeDocs(false);
    Path seg = segment(dir);
    try (RandomAccessFile f = new RandomAccessFile(seg.toFile(), "rw")) {
      f.setLength(f.length() - 5);
    }
    try (MapDbDocStore s = MapDbDocStore.open(options(dir))) {
      assertAllDocs(s, DOCS - 1);
      assertFalse(s.get("doc" + (DOCS - 1)).isPresent());
      assertTrue(s.recoveryReport().tornBytes() > 0);
      assertEquals(0, s.recoveryReport().repairs());
      // The store goes on appending after the cut.
      s.update("after", d -> d.set("v", 1L)).join();
    }
    try (MapDbDocStore s = MapDbDocStore.open(options(dir))) {
      assertAllDocs(s, DOCS - 1);
      assertTrue(s.get("after").isPresent());
    }
  }

  @Test
  void zeroedJournalTail_isDroppedLikeATornWrite() throws Exception {
    Path dir = writeDocs(false);
    Path seg = segment(dir);
    try (RandomAccessFile f = new RandomAccessFile(seg.toFile(), "rw")) {
      f.setLength(f.length() + 4096); // zeros, as a power loss can leave
    }
    try (MapDbDocStore s = MapDbDocStore.open(options(dir))) {
      assertAllDocs(s, DOCS);
      assertEquals(4096, s.recoveryReport().tornBytes());
    }
  }

  @Test
  void journalTruncatedBelowTheCheckpoint_isRefusedNamingTheSegment() throws Exception {
    Path dir = writeDocs(true);
    Path seg = segment(dir);
    try (RandomAccessFile f = new RandomAccessFile(seg.toFile(), "rw")) {
      f.setLength(f.length() / 2);
    }
    refused(dir, StoreException.Reason.CORRUPT, seg);
  }

  @Test
  void flippedByteInJournal_pastTheCheckpoint_isRefusedNamingTheSegment() throws Exception {
    Path dir = writeDocs(false);
    Path seg = segment(dir);
    long size = Files.size(seg);
    for (long offset : new long[] {size / 2, size / 3, size - 40}) {
      Path copy = tmp.resolve("copy" + offset);
      copyTree(dir, copy);
      flip(Journal.segmentPath(copy.resolve(MapDbDocStore.JOURNAL_DIR), 0), offset);
      refused(copy, StoreException.Reason.CORRUPT,
          Journal.segmentPath(copy.resolve(MapDbDocStore.JOURNAL_DIR), 0));
    }
  }

  @Test
  void flippedByteInJournal_alreadyInBothMapDbFiles_losesNothing() throws Exception {
    Path dir = writeDocs(true);
    Path seg = segment(dir);
    flip(seg, Files.size(seg) / 2);
    try (MapDbDocStore s = MapDbDocStore.open(options(dir))) {
      assertAllDocs(s, DOCS);
    }
  }

  @Test
  void flippedByteInJournal_neededOnlyByTheStandby_restoresItFromTheCurrentFile()
      throws Exception {
    Path dir = tmp.resolve("store");
    MapDbDocStore s = MapDbDocStore.open(options(dir));
    s.checkpointForTests();
    long standbyFrom = Math.max(s.positions()[0], s.positions()[1]);
    for (int i = 0; i < DOCS; i++) {
      int ii = i;
      s.update("doc" + i, d -> d.set("v", (long) ii)).join();
    }
    s.checkpointForTests();
    long[] pos = s.positions();
    s.crash();
    assertTrue(Math.min(pos[0], pos[1]) == standbyFrom && Math.max(pos[0], pos[1]) > standbyFrom);
    Path seg = segment(dir);
    flip(seg, (standbyFrom + Math.max(pos[0], pos[1])) / 2);
    try (MapDbDocStore r = MapDbDocStore.open(options(dir))) {
      assertAllDocs(r, DOCS);
      assertEquals(1, r.recoveryReport().repairs(), r.recoveryReport().toString());
      // Restarting the replay at the current file keeps that file's counter reservation.
      assertTrue(r.replica().lastCounter() >= MapDbDocStore.RESERVE_BLOCK,
          "resumed at " + r.replica().lastCounter());
    }
  }

  @Test
  void foreignJournalSegment_isRefusedNamingIt() throws Exception {
    Path dir = writeDocs(true);
    Path seg = segment(dir);
    byte[] junk = new byte[4096];
    new Random(1).nextBytes(junk);
    Files.write(seg, junk);
    refused(dir, StoreException.Reason.FOREIGN_FILE, seg);
  }

  @Test
  void unknownFileInJournalDirectory_isRefusedNamingIt() throws Exception {
    Path dir = writeDocs(true);
    Path odd = dir.resolve(MapDbDocStore.JOURNAL_DIR).resolve("notes.txt");
    Files.writeString(odd, "x");
    refused(dir, StoreException.Reason.FOREIGN_FILE, odd);
  }

  @Test
  void missingJournalSegment_isRefusedNamingIt() throws Exception {
    Path dir = writeDocs(false);
    Path seg = segment(dir);
    Files.delete(seg);
    StoreException e = assertThrows(StoreException.class,
        () -> MapDbDocStore.open(options(dir)).close());
    assertTrue(e.getMessage().contains(dir.resolve(MapDbDocStore.JOURNAL_DIR).toString()),
        e.getMessage());
  }

  // ---- MapDB files ------------------------------------------------------------------------------

  @Test
  void flippedByteInOneMapDbFile_isRestoredFromTheOther() throws Exception {
    Path dir = writeDocs(true);
    Path a = dir.resolve(MapDbDocStore.SLOT_FILES[0]);
    long tail = Math.min(Files.size(a), 16_384);
    Random random = new Random(7);
    for (int round = 0; round < 6; round++) {
      long offset = round == 0 ? 30 : 16 + random.nextInt((int) tail - 16);
      Path copy = tmp.resolve("copy" + round);
      copyTree(dir, copy);
      flip(copy.resolve(MapDbDocStore.SLOT_FILES[0]), offset);
      try (MapDbDocStore s = MapDbDocStore.open(options(copy))) {
        assertAllDocs(s, DOCS);
        assertTrue(s.recoveryReport().repairs() <= 1);
        if (s.recoveryReport().repairs() == 1) {
          assertTrue(s.recoveryReport().notes().get(0).contains(MapDbDocStore.SLOT_FILES[0]));
        }
      }
    }
  }

  @Test
  void flippedByteInMapDbData_failsTheWholeFileChecksum_andIsRestored() throws Exception {
    Path dir = tmp.resolve("big");
    try (MapDbDocStore s = MapDbDocStore.open(options(dir))) {
      for (int i = 0; i < 3000; i++) {
        int ii = i;
        s.update("doc" + i, d -> d.set("v", (long) ii));
      }
      s.flush();
    }
    Path a = dir.resolve(MapDbDocStore.SLOT_FILES[0]);
    // Past MapDB's 32 KiB header (which has its own checksum), inside the records.
    flip(a, Files.size(a) / 8);
    try (MapDbDocStore s = MapDbDocStore.open(options(dir))) {
      assertEquals(1, s.recoveryReport().repairs(), s.recoveryReport().toString());
      assertTrue(s.recoveryReport().notes().get(0).contains("Wrong checksum"),
          s.recoveryReport().notes().toString());
      assertAllDocs(s, 3000);
    }
  }

  @Test
  void flippedByteInBothMapDbFiles_isRefusedNamingThem() throws Exception {
    Path dir = writeDocs(true);
    flip(dir.resolve(MapDbDocStore.SLOT_FILES[0]), 30);
    flip(dir.resolve(MapDbDocStore.SLOT_FILES[1]), 30);
    StoreException e = refused(dir, StoreException.Reason.CORRUPT,
        dir.resolve(MapDbDocStore.SLOT_FILES[0]));
    assertTrue(e.getMessage().contains(MapDbDocStore.SLOT_FILES[1]), e.getMessage());
  }

  @Test
  void foreignMapDbFile_isRestoredFromTheOther() throws Exception {
    Path dir = writeDocs(true);
    byte[] junk = new byte[8192];
    new Random(2).nextBytes(junk);
    Files.write(dir.resolve(MapDbDocStore.SLOT_FILES[1]), junk);
    try (MapDbDocStore s = MapDbDocStore.open(options(dir))) {
      assertAllDocs(s, DOCS);
      assertEquals(1, s.recoveryReport().repairs());
    }
  }

  @Test
  void mapDbFileOfAnotherReplica_isRestoredFromTheOther() throws Exception {
    Path dir = writeDocs(true);
    Path other = tmp.resolve("other");
    MapDbDocStore.open(options(other)).close();
    Files.copy(other.resolve(MapDbDocStore.SLOT_FILES[0]), dir.resolve(MapDbDocStore.SLOT_FILES[0]),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    try (MapDbDocStore s = MapDbDocStore.open(options(dir))) {
      assertAllDocs(s, DOCS);
      assertEquals(1, s.recoveryReport().repairs());
      assertTrue(s.recoveryReport().notes().get(0).contains("belongs to replica"),
          s.recoveryReport().notes().toString());
    }
  }

  @Test
  void missingMapDbFile_isRestoredFromTheOther() throws Exception {
    Path dir = writeDocs(false);
    Files.delete(dir.resolve(MapDbDocStore.SLOT_FILES[1]));
    try (MapDbDocStore s = MapDbDocStore.open(options(dir))) {
      assertAllDocs(s, DOCS);
      assertEquals(1, s.recoveryReport().repairs());
    }
  }

  @Test
  void bothMapDbFilesMissing_isRefused() throws Exception {
    Path dir = writeDocs(true);
    Files.delete(dir.resolve(MapDbDocStore.SLOT_FILES[0]));
    Files.delete(dir.resolve(MapDbDocStore.SLOT_FILES[1]));
    StoreException e = refused(dir, StoreException.Reason.CORRUPT,
        dir.resolve(MapDbDocStore.SLOT_FILES[0]));
    assertTrue(e.getMessage().contains("missing"), e.getMessage());
  }

  // ---- manifest and identity --------------------------------------------------------------------

  @Test
  void missingManifest_isRefusedNamingIt() throws Exception {
    Path dir = writeDocs(true);
    Path m = dir.resolve(MapDbDocStore.MANIFEST_FILE);
    Files.delete(m);
    refused(dir, StoreException.Reason.MISSING_FILE, m);
  }

  @Test
  void foreignManifest_isRefusedNamingIt() throws Exception {
    Path dir = writeDocs(true);
    Path m = dir.resolve(MapDbDocStore.MANIFEST_FILE);
    Files.writeString(m, "not a manifest at all, but long enough to read");
    refused(dir, StoreException.Reason.FOREIGN_FILE, m);
  }

  @Test
  void flippedByteInManifest_isRefusedNamingIt() throws Exception {
    Path dir = writeDocs(true);
    Path m = dir.resolve(MapDbDocStore.MANIFEST_FILE);
    flip(m, 30);
    refused(dir, StoreException.Reason.CORRUPT, m);
  }

  @Test
  void missingIdentityFile_isRefusedRatherThanRecreated() throws Exception {
    Path dir = writeDocs(true);
    Path id = dir.resolve(MapDbDocStore.ID_FILE);
    Files.delete(id);
    refused(dir, StoreException.Reason.MISSING_FILE, id);
  }

  @Test
  void foreignIdentityFile_isRefusedNamingIt() throws Exception {
    Path dir = writeDocs(true);
    Path id = dir.resolve(MapDbDocStore.ID_FILE);
    Files.writeString(id, "hello\n");
    refused(dir, StoreException.Reason.FOREIGN_FILE, id);
  }

  static void copyTree(Path from, Path to) throws IOException {
    try (var s = Files.walk(from)) {
      for (Path p : s.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else if (!p.getFileName().toString().equals(MapDbDocStore.LOCK_FILE)) {
          Files.copy(p, target);
        }
      }
    }
  }
}
