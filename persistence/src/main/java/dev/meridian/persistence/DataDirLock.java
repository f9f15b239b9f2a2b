package dev.meridian.persistence;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The lock that keeps a data directory to one store: an OS file lock on {@code LOCK}, held from
 * open to close (released by the OS if the process dies).
 */
final class DataDirLock implements Closeable {
  static final String LOCK_FILE = "LOCK";

  private final FileChannel channel;
  private final FileLock lock;

  private DataDirLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /**
   * Takes the lock of {@code dir} (which must exist).
   *
   * @throws StoreException {@link StoreException.Reason#LOCKED} if another store holds it
   */
  static DataDirLock take(Path dir) throws IOException {
    Path lockPath = dir.resolve(LOCK_FILE);
    FileChannel ch = FileChannel.open(lockPath, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = ch.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
    if (lock == null) {
      ch.close();
      throw new StoreException(StoreException.Reason.LOCKED, dir,
          "data directory " + dir + " is in use by another store (lock " + lockPath + ")");
    }
    return new DataDirLock(ch, lock);
  }

  @Override
  public void close() throws IOException {
    if (!channel.isOpen()) {
      return; // idempotent: a store that failed while opening releases its lock twice
    }
    try {
      lock.release();
    } finally {
      channel.close();
    }
  }
}
