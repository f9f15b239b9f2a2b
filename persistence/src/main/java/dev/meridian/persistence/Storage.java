package dev.meridian.persistence;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/** File helpers: fsync of directories, atomic replacement of small files, copies. */
final class Storage {
  private Storage() {}

  /** Fsyncs a directory, so that creations, renames and deletions in it survive a power loss. */
  static void fsyncDirectory(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      // Some file systems refuse to open directories; there is nothing more to do there.
      if (Files.isDirectory(dir) && e.getMessage() != null && e.getMessage().contains("Is a dir")) {
        return;
      }
      throw e;
    }
  }

  /** Replaces {@code target} with {@code content}: write a temporary file, fsync, rename, fsync. */
  static void writeAtomically(Path target, byte[] content) throws IOException {
    Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE,
        StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
      ByteBuffer b = ByteBuffer.wrap(content);
      while (b.hasRemaining()) {
        ch.write(b);
      }
      ch.force(true);
    }
    CrashPoints.at(CrashPoints.MANIFEST_WRITE);
    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    fsyncDirectory(target.getParent());
  }

  /** Copies {@code from} over {@code to} and fsyncs the copy. */
  static void copy(Path from, Path to) throws IOException {
    Path tmp = to.resolveSibling(to.getFileName() + ".tmp");
    Files.copy(from, tmp, StandardCopyOption.REPLACE_EXISTING);
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
      ch.force(true);
    }
    Files.move(tmp, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    fsyncDirectory(to.getParent());
  }

  /** The bytes of the regular files under {@code root} (approximate while files change). */
  static long bytesUnder(Path root) {
    long total = 0;
    try (java.util.stream.Stream<Path> s = Files.walk(root)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        if (Files.isRegularFile(p)) {
          total += Files.size(p);
        }
      }
    } catch (java.io.IOException | java.io.UncheckedIOException e) {
      // a file deleted meanwhile: the figure is approximate
    }
    return total;
  }
}
