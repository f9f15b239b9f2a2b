package dev.meridian.persistence;

import java.nio.file.Path;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether a {@link MapDbDocStore} is usable: closing, or failed closed and why, and the errors its
 * calls get when it is not.
 *
 * <p>Thread-safe. A failure is recorded under a lock of its own (a leaf in the store's lock order):
 * the journal's notifier thread reports failed fsyncs here while the store's {@code close()} may
 * hold the store's monitor waiting for that thread to stop.
 */
final class StoreState {
  private static final Logger LOG = LoggerFactory.getLogger(StoreState.class);

  private final Path dir;
  private final Object failLock = new Object();
  private volatile boolean closing;
  private volatile Throwable failure;
  /** Told once, on the failing thread, when the store fails closed (see {@link ReopeningStore}). */
  private volatile Consumer<Throwable> onFailure = t -> {};

  StoreState(Path dir) {
    this.dir = dir;
  }

  /** Records the first failure; returns true (and tells the listener, after {@code then}) if so. */
  boolean fail(Throwable e, Runnable then) {
    boolean first;
    synchronized (failLock) {
      first = failure == null;
      if (first) {
        failure = e;
      }
    }
    if (first) {
      LOG.error("store {} failed; it serves nothing until it is reopened", dir, e);
    }
    then.run();
    if (first) {
      onFailure.accept(e);
    }
    return first;
  }

  /** Calls {@code listener} once when the store fails (at once if it has failed already). */
  void whenFailed(Consumer<Throwable> listener) {
    onFailure = listener;
    Throwable f = failure;
    if (f != null) {
      listener.accept(f);
    }
  }

  void closing() {
    closing = true;
  }

  boolean isClosing() {
    return closing;
  }

  /** Why the store failed, or null. */
  Throwable failure() {
    return failure;
  }

  boolean usable() {
    return !closing && failure == null;
  }

  /** Why the store serves nothing: closed, or failed (and a failed store says so after close). */
  String unusable() {
    Throwable f = failure;
    if (f == null) {
      return "the store " + dir + " is closed";
    }
    return diskFull(f)
        ? "the disk of " + dir + " is full (no space left on device): writes are refused until"
            + " space returns and the store is reopened"
        : "the store " + dir + " failed (" + f + "); it serves nothing until it is reopened";
  }

  /** True if {@code t} or a cause of it reports a full disk (ENOSPC). */
  static boolean diskFull(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      String m = c.getMessage();
      if (m != null && m.contains("No space left on device")) {
        return true;
      }
    }
    return false;
  }

  /** @throws IllegalStateException unless the store is usable (the contract of reads) */
  void checkReadable() {
    if (!usable()) {
      throw new IllegalStateException(unusable());
    }
  }

  /** @throws StoreException of reason FAILED unless the store is usable (the contract of writes) */
  void checkUsable() throws StoreException {
    if (!usable()) {
      throw new StoreException(StoreException.Reason.FAILED, dir, unusable(), failure);
    }
  }
}
