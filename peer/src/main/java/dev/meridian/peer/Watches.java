package dev.meridian.peer;

import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.doc.Document;
import dev.meridian.persistence.CloseableIterator;
import dev.meridian.crdt.doc.KeyedDelta;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store's watches: matches each change against the watched prefixes and delivers it to each
 * matching watcher, in order, on a fixed pool of {@link #THREADS} threads, each watcher draining
 * its own queue in turn. A queue over {@link Meridian#WATCH_BACKLOG} ends that watch. At most
 * {@link #MAX_WATCHES} watches exist at once; one more is refused.
 *
 * <p>Each watch keeps its cursor ({@link Cursors}): the store's context when it started (or the
 * cursor it resumed from), grown by the events of every change delivered. A resumed watch first
 * delivers the sync query's answer for its cursor (one change per document, prefix-filtered, as
 * fast as the watcher takes them: see {@link Paced}), live changes queueing meanwhile. Since the
 * watch is registered before its starting context is read, and a change is published only after
 * its events joined the store's context, every change outside the cursor reaches the watcher.
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
  private final Supplier<CausalContext> context;
  private final Function<CausalContext, CloseableIterator<KeyedDelta>> changedSince;
  private final int backlog;

  /**
   * A watcher that can say it is not ready for more (a gRPC stream whose client is slow): a
   * resumed watch's catch-up waits for it instead of burying it. Live changes do not wait.
   */
  interface Paced {
    /** Whether the watcher takes another change now. */
    boolean ready();

    /** Runs {@code resume} once (on any thread) when the watcher is ready again. */
    void whenReady(Runnable resume);
  }

  Watches(Function<String, Optional<Document>> reader, Supplier<CausalContext> context,
      Function<CausalContext, CloseableIterator<KeyedDelta>> changedSince, int backlog) {
    this.reader = reader;
    this.context = context;
    this.changedSince = changedSince;
    this.backlog = backlog;
  }

  /**
   * Adds a watch, or refuses it if {@link #MAX_WATCHES} exist; {@code since}, unless null, is the
   * cursor to resume from.
   */
  Meridian.Watch add(String prefix, CausalContext since, Watcher watcher) {
    if (count.incrementAndGet() > MAX_WATCHES) {
      count.decrementAndGet();
      throw new TooManyWatchesException();
    }
    Entry e = new Entry(prefix, watcher);
    entries.add(e); // before the context is read (see the class comment)
    try {
      e.start(since == null ? context.get() : since.copy(),
          since == null ? null : changedSince.apply(since.copy()));
    } catch (RuntimeException ex) {
      e.discard(); // the store cannot be read: no watch, and the caller hears why
      throw ex;
    }
    return () -> e.end(null);
  }

  /** Announces a durable change of {@code key} whose events are {@code events}. */
  void publish(String key, Change.Origin origin, CausalContext events) {
    Change change = null;
    for (Entry e : entries) {
      if (key.startsWith(e.prefix)) {
        if (change == null) {
          change = new Change(key, origin, reader, events);
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

  /** One watch: its queue, its cursor, its catch-up, and whether a drain task is scheduled. */
  private final class Entry implements Runnable {
    final String prefix;
    final Watcher watcher;
    private final ArrayDeque<Change> queue = new ArrayDeque<>();
    /** True until {@link #start}: changes queue, nothing is delivered. */
    private boolean draining = true;
    private boolean ended;
    private String endReason;
    /** Owned by the draining thread once started. */
    private CausalContext cursor;
    private CloseableIterator<KeyedDelta> catchUp;
    /** The catch-up waits for a paced watcher; whoever unparks it schedules the drain. */
    private boolean parked;

    Entry(String prefix, Watcher watcher) {
      this.prefix = prefix;
      this.watcher = watcher;
    }

    void start(CausalContext from, CloseableIterator<KeyedDelta> answer) {
      cursor = from;
      catchUp = answer;
      schedule();
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
        if (draining && !parked) {
          return;
        }
        draining = true;
        parked = false;
      }
      schedule();
    }

    /** Removes a watch that never started; its watcher hears nothing. */
    synchronized void discard() {
      ended = true;
      queue.clear();
      removed();
    }

    private void unpark() {
      synchronized (this) {
        if (!parked) {
          return;
        }
        parked = false;
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

    /** Delivers one change of the catch-up; false once it is done (or waits for the watcher). */
    private boolean catchUpStep() {
      if (watcher instanceof Paced p && !p.ready()) {
        synchronized (this) {
          parked = true;
        }
        p.whenReady(this::unpark);
        return false;
      }
      while (catchUp.hasNext()) {
        KeyedDelta k = catchUp.next();
        if (k.key().startsWith(prefix)) {
          CausalContext events = k.delta().context();
          deliver(new Change(k.key(), Change.Origin.RESUMED, reader, events));
          return true;
        }
      }
      closeCatchUp();
      try {
        watcher.onCaughtUp(Cursors.encode(cursor));
      } catch (RuntimeException ex) {
        LOG.warn("watcher {} failed on catching up", watcher, ex);
      }
      return true;
    }

    private void closeCatchUp() {
      try {
        catchUp.close();
      } catch (Exception ex) {
        LOG.warn("closing a watch's catch-up failed", ex);
      }
      catchUp = null;
    }

    private void deliver(Change c) {
      cursor.addAll(c.events());
      try {
        watcher.onChange(c.withCursor(Cursors.encode(cursor)));
      } catch (RuntimeException ex) {
        LOG.warn("watcher {} failed on {}; it keeps receiving changes", watcher, c, ex);
      }
    }

    @Override
    public void run() {
      while (true) {
        Change next = null;
        boolean finish;
        boolean catchingUp;
        synchronized (this) {
          finish = ended;
          catchingUp = !ended && catchUp != null;
          if (!finish && !catchingUp) {
            next = queue.poll();
            if (next == null) {
              draining = false;
              return;
            }
          }
        }
        if (finish) {
          if (catchUp != null) {
            closeCatchUp();
          }
          try {
            watcher.onEnd(endReason);
          } catch (RuntimeException ex) {
            LOG.warn("watcher {} failed on end", watcher, ex);
          }
          return; // draining stays true: nothing more is delivered
        }
        if (catchingUp) {
          try {
            if (!catchUpStep()) {
              return; // rescheduled when the watcher is ready; draining stays true
            }
          } catch (RuntimeException ex) {
            LOG.warn("a watch's catch-up failed", ex);
            end("the catch-up failed: " + ex.getMessage());
          }
          continue;
        }
        deliver(next);
      }
    }
  }
}
