package dev.meridian.peer;

import dev.meridian.crdt.doc.Document;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store's watches: matches each change against the watched prefixes and delivers it to each
 * matching watcher, in order, on a fixed pool of {@link #THREADS} threads, each watcher draining
 * its own queue in turn. A queue over {@link Meridian#WATCH_BACKLOG} ends that watch. At most
 * {@link #MAX_WATCHES} watches exist at once; one more is refused.
 */
final class Watches {
  private static final Logger LOG = LoggerFactory.getLogger(Watches.class);

  /** Most watches at once, over all clients. */
  static final int MAX_WATCHES = 10_000;
  /** Threads delivering changes, shared by every watch. */
  static final int THREADS = 4;

  private final CopyOnWriteArrayList<Entry> entries = new CopyOnWriteArrayList<>();
  private final java.util.concurrent.atomic.AtomicInteger count =
      new java.util.concurrent.atomic.AtomicInteger();
  private final ExecutorService pool = Executors.newFixedThreadPool(THREADS, r -> {
    Thread t = new Thread(r, "meridian-watch");
    t.setDaemon(true);
    return t;
  });
  private final Function<String, Optional<Document>> reader;
  private final int backlog;

  Watches(Function<String, Optional<Document>> reader, int backlog) {
    this.reader = reader;
    this.backlog = backlog;
  }

  /** Adds a watch, or refuses it if {@link #MAX_WATCHES} exist. */
  Meridian.Watch add(String prefix, Watcher watcher) {
    if (count.incrementAndGet() > MAX_WATCHES) {
      count.decrementAndGet();
      throw new TooManyWatchesException();
    }
    Entry e = new Entry(prefix, watcher);
    entries.add(e);
    return () -> e.end(null);
  }

  /** Announces a durable change of {@code key}. */
  void publish(String key, Change.Origin origin) {
    Change change = null;
    for (Entry e : entries) {
      if (key.startsWith(e.prefix)) {
        if (change == null) {
          change = new Change(key, origin, reader);
        }
        e.offer(change);
      }
    }
  }

  int size() {
    return entries.size();
  }

  /** A watch refused because {@link #MAX_WATCHES} exist. */
  static final class TooManyWatchesException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    TooManyWatchesException() {
      super("this peer holds " + MAX_WATCHES + " watches, the most it serves at once; try later");
    }
  }

  /** Ends every watch and stops the pool. */
  void close() {
    for (Entry e : entries) {
      e.end("the peer is shutting down");
    }
    pool.shutdown();
    try {
      if (!pool.awaitTermination(5, TimeUnit.SECONDS)) {
        LOG.warn("watchers still busy after 5 s; not waiting for them");
      }
    } catch (InterruptedException ie) {
      Thread.currentThread().interrupt();
    }
  }

  /** One watch: its queue and whether a drain task is scheduled. */
  private final class Entry implements Runnable {
    final String prefix;
    final Watcher watcher;
    private final ArrayDeque<Change> queue = new ArrayDeque<>();
    private boolean draining;
    private boolean ended;
    private String endReason;

    Entry(String prefix, Watcher watcher) {
      this.prefix = prefix;
      this.watcher = watcher;
    }

    void offer(Change c) {
      synchronized (this) {
        if (ended) {
          return;
        }
        if (queue.size() >= backlog) {
          queue.clear();
          ended = true;
          endReason = "the watcher fell more than " + backlog + " changes behind";
          removed();
        } else {
          queue.add(c);
        }
        if (draining) {
          return;
        }
        draining = true;
      }
      schedule();
    }

    void end(String reason) {
      synchronized (this) {
        if (ended) {
          return;
        }
        ended = true;
        endReason = reason;
        queue.clear();
        removed();
        if (draining) {
          return;
        }
        draining = true;
      }
      schedule();
    }

    private void removed() {
      if (entries.remove(this)) {
        count.decrementAndGet();
      }
    }

    private void schedule() {
      try {
        pool.execute(this);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        run(); // closing: deliver the end on the caller's thread
      }
    }

    @Override
    public void run() {
      while (true) {
        Change next;
        boolean finish;
        synchronized (this) {
          next = queue.poll();
          finish = next == null && ended;
          if (next == null && !ended) {
            draining = false;
            return;
          }
        }
        if (finish) {
          try {
            watcher.onEnd(endReason);
          } catch (RuntimeException ex) {
            LOG.warn("watcher {} failed on end", watcher, ex);
          }
          return; // draining stays true: nothing more is delivered
        }
        try {
          watcher.onChange(next);
        } catch (RuntimeException ex) {
          LOG.warn("watcher {} failed on {}; it keeps receiving changes", watcher, next, ex);
        }
      }
    }
  }
}
