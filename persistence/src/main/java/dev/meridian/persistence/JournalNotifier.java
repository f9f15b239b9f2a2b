package dev.meridian.persistence;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands the journal's finished batches to its {@link Journal.Listener} and completes their
 * futures, in journal order, on a thread of its own ("meridian-journal-notify"), so no caller's
 * continuation runs on the committer; or on the committing thread itself when the journal is
 * driven by hand ({@link #synchronous}).
 */
final class JournalNotifier {
  private static final Logger LOG = LoggerFactory.getLogger(JournalNotifier.class);

  /** A finished batch: durable (failure null) or failed. */
  record Done(List<CompletableFuture<Void>> waiters, List<Object> attachments,
      IOException failure) {}

  private static final Done STOP = new Done(List.of(), List.of(), null);

  private final Path dir;
  private final Journal.Listener listener;
  private final LinkedBlockingQueue<Done> queue = new LinkedBlockingQueue<>();
  private final Thread thread;

  private JournalNotifier(Path dir, Journal.Listener listener, boolean threaded) {
    this.dir = dir;
    this.listener = listener;
    this.thread = threaded ? new Thread(this::loop, "meridian-journal-notify") : null;
    if (thread != null) {
      thread.setDaemon(true);
      thread.start();
    }
  }

  static JournalNotifier threaded(Path dir, Journal.Listener listener) {
    return new JournalNotifier(dir, listener, true);
  }

  static JournalNotifier synchronous(Path dir, Journal.Listener listener) {
    return new JournalNotifier(dir, listener, false);
  }

  /** A batch is durable (failure null) or failed. */
  void done(Done d) {
    if (thread == null) {
      deliver(d);
    } else {
      queue.add(d);
    }
  }

  /** Delivers what was queued, then stops. */
  void stop() throws InterruptedException {
    if (thread != null) {
      queue.add(STOP);
      thread.join(TimeUnit.SECONDS.toMillis(30));
    }
  }

  @SuppressWarnings("ReferenceEquality") // STOP is a sentinel: the one object, not an equal Done
  private void loop() {
    while (true) {
      Done d;
      try {
        d = queue.take();
      } catch (InterruptedException e) {
        return;
      }
      if (d == STOP) {
        return;
      }
      deliver(d);
    }
  }

  private void deliver(Done d) {
    if (d.failure() == null) {
      try {
        if (!d.attachments().isEmpty()) {
          listener.durable(d.attachments());
        }
      } catch (RuntimeException e) {
        LOG.error("a journal listener failed", e);
      }
      for (CompletableFuture<Void> w : d.waiters()) {
        w.complete(null);
      }
      return;
    }
    StoreException failed = new StoreException(StoreException.Reason.FAILED, dir,
        StoreState.diskFull(d.failure())
            ? "the disk of " + dir + " is full (no space left on device): the write is not durable,"
                + " and writes are refused until space returns and the store is reopened"
            : "the journal write or fsync failed (" + d.failure().getMessage() + "); the write is"
                + " not durable and the store accepts no more writes until it is reopened",
        d.failure());
    try {
      listener.failed(d.failure());
    } catch (RuntimeException e) {
      LOG.error("a journal listener failed", e);
    }
    for (CompletableFuture<Void> w : d.waiters()) {
      w.completeExceptionally(failed);
    }
  }
}
