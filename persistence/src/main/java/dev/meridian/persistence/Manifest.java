package dev.meridian.persistence;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The checkpoint manifest: which of the two MapDB files is clean and at which journal position,
 * and where the journal's last segment starts. Replaced atomically (write, fsync, rename, fsync).
 *
 * <p>A slot is {@code clean} only between the fsync of its MapDB commit and the next time the
 * store starts writing into it; a file in a slot that is not clean is never trusted.
 *
 * @param replica the replica id this directory belongs to
 * @param slots the two slots, A and B
 * @param lastSegmentBase the base position of the journal's last segment
 */
@SuppressWarnings("ArrayRecordComponent") // two slots, replaced whole by with(), never compared
record Manifest(long replica, Slot[] slots, long lastSegmentBase) {
  private static final long MAGIC = 0x4d52444e4d414e49L; // "MRDNMANI"
  private static final int VERSION = 1;
  private static final int SIZE = 8 + 4 + 8 + 2 * (1 + 8 + 8) + 8 + 4;

  /**
   * One MapDB file's state.
   *
   * @param clean whether the file is exactly its committed state at {@code position}
   * @param position the journal position the file holds everything below
   * @param generation how many checkpoints were taken into this slot (for logs and tests)
   */
  record Slot(boolean clean, long position, long generation) {}

  Manifest with(int slot, Slot value) {
    Slot[] s = slots.clone();
    s[slot] = value;
    return new Manifest(replica, s, lastSegmentBase);
  }

  Manifest withLastSegment(long base) {
    return new Manifest(replica, slots.clone(), base);
  }

  byte[] encode() {
    ByteBuffer b = ByteBuffer.allocate(SIZE);
    b.putLong(MAGIC).putInt(VERSION).putLong(replica);
    for (Slot s : slots) {
      b.put((byte) (s.clean ? 1 : 0)).putLong(s.position).putLong(s.generation);
    }
    b.putLong(lastSegmentBase);
    b.putInt(JournalFiles.crc(b.array(), 0, SIZE - 4));
    return b.array();
  }

  void write(Path file) throws IOException {
    Storage.writeAtomically(file, encode());
  }

  static Manifest read(Path file) throws StoreException {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new StoreException(StoreException.Reason.MISSING_FILE, file,
          "the checkpoint manifest " + file + " is missing", e);
    } catch (IOException e) {
      throw new StoreException(StoreException.Reason.CORRUPT, file,
          "cannot read the checkpoint manifest " + file, e);
    }
    ByteBuffer b = ByteBuffer.wrap(bytes);
    if (bytes.length < 12 || b.getLong(0) != MAGIC) {
      throw new StoreException(StoreException.Reason.FOREIGN_FILE, file,
          file + " is not a Meridian checkpoint manifest");
    }
    if (b.getInt(8) != VERSION) {
      throw new StoreException(StoreException.Reason.UNKNOWN_FORMAT, file,
          file + " has unknown manifest version " + b.getInt(8));
    }
    if (bytes.length != SIZE || b.getInt(SIZE - 4) != JournalFiles.crc(bytes, 0, SIZE - 4)) {
      throw new StoreException(StoreException.Reason.CORRUPT, file,
          "the checkpoint manifest " + file + " fails its checksum");
    }
    b.position(12);
    long replica = b.getLong();
    Slot[] slots = new Slot[2];
    for (int i = 0; i < 2; i++) {
      slots[i] = new Slot(b.get() == 1, b.getLong(), b.getLong());
    }
    return new Manifest(replica, slots, b.getLong());
  }
}
