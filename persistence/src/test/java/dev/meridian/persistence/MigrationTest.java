package dev.meridian.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A data directory written by the format-1 store (journal segments without batch markers, an
 * identity file without void-safe-from; made by that build: 30 documents over two runs) opens,
 * is migrated to format 2, keeps every document and takes writes.
 */
class MigrationTest {
  @TempDir Path tmp;

  private Path unpack() throws Exception {
    Path dir = tmp.resolve("store");
    try (InputStream in = MigrationTest.class.getResourceAsStream("format1-store.zip");
        ZipInputStream zip = new ZipInputStream(in)) {
      for (ZipEntry e; (e = zip.getNextEntry()) != null; ) {
        Path p = dir.resolve(e.getName()).normalize();
        Files.createDirectories(p.getParent());
        Files.copy(zip, p);
      }
    }
    return dir;
  }

  @Test
  void format1Directory_isMigratedOnOpen_withNothingLost() throws Exception {
    Path dir = unpack();
    assertTrue(Files.readString(dir.resolve(MapDbDocStore.ID_FILE)).contains("format 1"));
    try (MapDbDocStore s = MapDbDocStore.open(StoreOptions.in(dir).build())) {
      for (int i = 0; i < 30; i++) {
        assertEquals((long) i, s.get("doc" + i).orElseThrow().get("v"), "doc" + i);
      }
      assertTrue(s.recoveryReport().notes().stream().anyMatch(n -> n.contains("migrated")),
          s.recoveryReport().toString());
      s.update("after", d -> d.set("v", 1L)).join();
    }
    String id = Files.readString(dir.resolve(MapDbDocStore.ID_FILE));
    assertTrue(id.contains("format 2") && id.contains("void-safe-from "), id);
    try (MapDbDocStore s = MapDbDocStore.open(StoreOptions.in(dir).build())) {
      assertEquals(31, s.count());
      assertEquals(1L, s.get("after").orElseThrow().get("v"));
      assertTrue(s.recoveryReport().notes().stream().noneMatch(n -> n.contains("migrated")));
    }
  }
}
