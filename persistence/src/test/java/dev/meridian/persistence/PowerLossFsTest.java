package dev.meridian.persistence;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The durability model of {@link PowerLossFs}, checked from Java: what survives a power cut and
 * what does not, through write, rename and a shared writable mapping, and the injected faults.
 * The power-loss tests of the store are only as strong as this.
 */
class PowerLossFsTest {
  @TempDir Path tmp;
  private PowerLossFs fs;
  private Path mnt;

  @BeforeEach
  void mount() throws IOException {
    PowerLossFs.requireAvailable();
    fs = PowerLossFs.mount(tmp.resolve("backing"), tmp.resolve("mnt"));
    mnt = fs.mountPoint();
  }

  @AfterEach
  void unmount() throws IOException {
    if (fs != null) {
      fs.close();
    }
  }

  private static void write(Path file, String text, boolean fsync) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE,
        StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
      ch.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
      if (fsync) {
        ch.force(false);
      }
    }
  }

  private static String read(Path file) throws IOException {
    return Files.readString(file, StandardCharsets.UTF_8);
  }

  @Test
  void powerCut_dropsWritesAndNamesNotFsynced() throws IOException {
    Path a = mnt.resolve("a");
    write(a, "durable", true);
    Storage.fsyncDirectory(mnt);
    write(a, "+lost", false);
    write(mnt.resolve("new-unsynced-name"), "data fsynced, name not", true);
    Files.move(a, mnt.resolve("a-renamed"), StandardCopyOption.ATOMIC_MOVE);
    assertEquals("durable+lost", read(mnt.resolve("a-renamed")), "the live view shows it all");

    fs.powerCut();

    assertEquals("durable", read(a), "the rename and the unsynced append are gone");
    assertFalse(Files.exists(mnt.resolve("a-renamed")));
    assertFalse(Files.exists(mnt.resolve("new-unsynced-name")));
  }

  @Test
  void powerCut_keepsWhatFileAndDirectoryFsyncsMadeDurable() throws IOException {
    Path dir = Files.createDirectories(mnt.resolve("d"));
    write(dir.resolve("x.tmp"), "x1", true);
    Files.move(dir.resolve("x.tmp"), dir.resolve("x"), StandardCopyOption.ATOMIC_MOVE);
    Storage.fsyncDirectory(dir);
    write(dir.resolve("y"), "y1", true);
    Storage.fsyncDirectory(dir);
    Files.delete(dir.resolve("y"));
    Storage.fsyncDirectory(dir);
    try (FileChannel ch = FileChannel.open(dir.resolve("x"), StandardOpenOption.WRITE)) {
      ch.truncate(1);
      ch.force(true);
    }

    fs.powerCut();

    assertEquals("x", read(dir.resolve("x")));
    assertFalse(Files.exists(dir.resolve("x.tmp")));
    assertFalse(Files.exists(dir.resolve("y")), "the fsynced unlink is durable");
  }

  @Test
  void powerCut_dropsMappedWritesNotForced() throws IOException {
    Path m = mnt.resolve("mapped");
    byte[] forced = "forced".getBytes(StandardCharsets.UTF_8);
    byte[] later = "later!".getBytes(StandardCharsets.UTF_8);
    try (FileChannel ch = FileChannel.open(m, StandardOpenOption.CREATE, StandardOpenOption.READ,
        StandardOpenOption.WRITE)) {
      MappedByteBuffer buf = ch.map(FileChannel.MapMode.READ_WRITE, 0, 3 * 4096);
      buf.put(0, forced);
      buf.put(8192, forced);
      buf.force(); // msync: writes the pages back and fsyncs the file
      buf.put(0, later);
      buf.put(4096, later);
      ch.write(ByteBuffer.wrap(later), 8192); // through write(2): in the same page cache
      unmap(buf);
    }
    Storage.fsyncDirectory(mnt);
    assertArrayEquals(later, readAt(m, 0, later.length), "the live view shows the later write");

    fs.powerCut();

    assertEquals(3 * 4096, Files.size(m));
    assertArrayEquals(forced, readAt(m, 0, forced.length));
    assertArrayEquals(new byte[later.length], readAt(m, 4096, later.length));
    assertArrayEquals(forced, readAt(m, 8192, forced.length));
  }

  /** Unmaps now (as MapDB's cleaner hack does), so that the mount can be unmounted. */
  static void unmap(MappedByteBuffer buf) {
    try {
      Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
      java.lang.reflect.Field f = unsafeClass.getDeclaredField("theUnsafe");
      f.setAccessible(true);
      unsafeClass.getMethod("invokeCleaner", ByteBuffer.class).invoke(f.get(null), buf);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot unmap a mapped buffer", e);
    }
  }

  private static byte[] readAt(Path file, long pos, int len) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer b = ByteBuffer.allocate(len);
      ch.read(b, pos);
      return b.array();
    }
  }

  @Test
  void failNextFsync_failsOneFsyncOfMatchingFiles_andDropsItsWrites() throws IOException {
    Path j = mnt.resolve("0001.log");
    Path other = mnt.resolve("other");
    fs.failNextFsync(1, ".log");
    try (FileChannel ch = FileChannel.open(j, StandardOpenOption.CREATE,
        StandardOpenOption.WRITE)) {
      write(other, "unaffected", true);
      ch.write(ByteBuffer.wrap("lost".getBytes(StandardCharsets.UTF_8)));
      IOException e = assertThrows(IOException.class, () -> ch.force(false));
      assertTrue(e.getMessage().contains("Input/output error"), e.getMessage());
      ch.force(false); // as on Linux, the retry succeeds, without the lost bytes
    }
    Storage.fsyncDirectory(mnt);
    assertTrue(fs.stats().contains("fsync_failed=1"), fs.stats());

    fs.powerCut();

    // The retry made the size durable; the bytes themselves are lost (zeros), as on Linux.
    assertEquals("\0\0\0\0", read(j), "the bytes of the failed fsync never became durable");
    assertEquals("unaffected", read(other));
  }

  @Test
  void failNextWrites_failsWritesWithEnospc_andChangesNothing() throws IOException {
    Path f = mnt.resolve("full");
    write(f, "kept", true);
    fs.failNextWrites(-1, "ENOSPC", "full");
    IOException e = assertThrows(IOException.class, () -> write(f, "refused", true));
    assertTrue(e.getMessage().contains("No space left"), e.getMessage());
    assertEquals("kept", read(f));
    fs.clearFaults();
    write(f, "+ok", true);
    assertEquals("kept+ok", read(f));
  }

  @Test
  void cut_failsEveryLaterChange_untilRemounted() throws IOException {
    Path f = mnt.resolve("f");
    write(f, "x", true);
    Storage.fsyncDirectory(mnt);
    fs.cut();
    assertThrows(IOException.class, () -> write(f, "y", false));
    assertThrows(IOException.class, () -> write(mnt.resolve("g"), "z", false));
    fs.remount();
    assertEquals("x", read(f));
    assertFalse(Files.exists(mnt.resolve("g")));
    write(f, "y", true);
    assertEquals("xy", read(f));
  }

  @Test
  void tornCut_keepsSomeUnsyncedPages_andDropsOthers() throws IOException {
    Path f = mnt.resolve("torn");
    int pages = 64;
    byte[] page = new byte[4096];
    java.util.Arrays.fill(page, (byte) 7);
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE,
        StandardOpenOption.WRITE)) {
      for (int i = 0; i < pages; i++) {
        ch.write(ByteBuffer.wrap(page));
      }
    }
    Storage.fsyncDirectory(mnt);
    String cut = fs.cut(50, 42);
    assertTrue(cut.contains("unsynced_bytes=" + pages * 4096), cut);
    fs.remount();

    byte[] all = Files.readAllBytes(f);
    int kept = 0;
    int zero = 0;
    for (int i = 0; i < pages && (i + 1) * 4096 <= all.length; i++) {
      if (all[i * 4096] == 7) {
        kept++;
      } else if (all[i * 4096] == 0) {
        zero++;
      }
    }
    int expectedKept = Integer.parseInt(cut.replaceAll(".*kept=(\\d+).*", "$1"));
    assertEquals(expectedKept, kept, cut);
    assertTrue(kept > 0 && kept < pages, "a torn cut keeps some pages and drops others: " + cut);
    assertTrue(zero > 0 || all.length < pages * 4096, "dropped pages read as zeros or are past "
        + "the end: " + cut);
  }
}
