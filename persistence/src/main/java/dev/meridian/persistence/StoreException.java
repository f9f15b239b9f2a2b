package dev.meridian.persistence;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A data directory that cannot be opened or used as it is: locked by another process, of an unknown
 * format, holding a foreign or corrupt file, or missing one. The message names the file; {@link
 * #file()} returns it.
 *
 * <p>Meridian never resets or drops what it cannot read: it restores what it can from redundant
 * copies and otherwise stops with this exception, so an operator decides.
 */
public final class StoreException extends IOException {
  private static final long serialVersionUID = 1L;

  /** What is wrong. */
  public enum Reason {
    /** Another process (or another store in this process) holds the directory's lock. */
    LOCKED,
    /** The directory was written by a format version this code does not know. */
    UNKNOWN_FORMAT,
    /** A file in the directory is not a Meridian file (or belongs to another replica). */
    FOREIGN_FILE,
    /** A file fails its checksums or is inconsistent with the others and cannot be restored. */
    CORRUPT,
    /** A file the directory needs is missing and cannot be restored. */
    MISSING_FILE,
    /** The store is closed or a write to disk failed; the store accepts no more writes. */
    FAILED
  }

  private final Reason reason;
  private final Path file;

  /** An exception of the given reason about {@code file}; the message should name the file. */
  public StoreException(Reason reason, Path file, String message) {
    this(reason, file, message, null);
  }

  /** As {@link #StoreException(Reason, Path, String)}, with a cause. */
  public StoreException(Reason reason, Path file, String message, Throwable cause) {
    super(reason + ": " + message, cause);
    this.reason = Objects.requireNonNull(reason, "reason");
    this.file = file;
  }

  /** What is wrong. */
  public Reason reason() {
    return reason;
  }

  /** The file concerned (the directory itself for {@link Reason#LOCKED}). */
  public Path file() {
    return file;
  }
}
