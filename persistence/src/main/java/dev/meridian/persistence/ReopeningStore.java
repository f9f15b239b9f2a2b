package dev.meridian.persistence;

import dev.meridian.crdt.doc.KeyedDelta;
import dev.meridian.crdt.Replica;
import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.doc.Document;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link MapDbDocStore} that reopens itself after it failed closed, so a peer whose disk was
 * full (or whose fsync failed once) takes writes again without an operator's restart.
 *
 * <p>When the store fails, every call is refused as {@link MapDbDocStore} refuses it (writes with
 * a {@link StoreException} of reason {@link StoreException.Reason#FAILED} saying why, reads with
 * an {@link IllegalStateException}), and a thread of its own closes the failed store and opens the
 * directory again: recovery keeps every fsynced write and drops the failed batch, whose writers
 * were told it failed. An open that fails (the disk still full: recovery must write a dot
 * reservation) is retried after {@link #RETRY_FIRST}, doubling up to {@link #RETRY_MAX}, for as
 * long as this store is open, whatever the reason (on a full disk even mapping a file can fail):
 * a directory that cannot be recovered without losing a write never opens, so it stays failed,
 * each attempt's reason logged, for an operator. Subscribers carry over to each reopened store.
 */
public final class ReopeningStore implements DocStore {
  /** The first delay before reopening a failed store. */
  public static final Duration RETRY_FIRST = Duration.ofMillis(250);
  /** The longest delay between two attempts to reopen. */
  public static final Duration RETRY_MAX = Duration.ofSeconds(5);

  private static final Logger LOG = LoggerFactory.getLogger(ReopeningStore.class);

  private final StoreOptions options;
  private final List<Consumer<KeyedDelta>> subscribers = new CopyOnWriteArrayList<>();
  private final ScheduledExecutorService reopener;
  private final AtomicLong reopens = new AtomicLong();
  /** The store calls go to: the open one, or the failed one until its successor opens. */
  private volatile MapDbDocStore current;
  private volatile boolean closed;

  private ReopeningStore(StoreOptions options, MapDbDocStore first) {
    this.options = options;
    this.current = first;
    this.reopener = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "meridian-store-reopen");
      t.setDaemon(true);
      return t;
    });
  }

  /** Opens the store as {@link MapDbDocStore#open} does. */
  public static ReopeningStore open(StoreOptions options) throws IOException {
    MapDbDocStore first = MapDbDocStore.open(options);
    ReopeningStore store = new ReopeningStore(options, first);
    store.watch(first);
    return store;
  }

  private void watch(MapDbDocStore s) {
    s.subscribe(this::announce);
    s.whenFailed(cause -> {
      if (!closed) {
        schedule(s, RETRY_FIRST.toMillis());
      }
    });
  }

  private void announce(KeyedDelta written) {
    for (Consumer<KeyedDelta> s : subscribers) {
      try {
        s.accept(written);
      } catch (RuntimeException e) {
        LOG.error("a subscriber to the writes of {} failed", options.directory, e);
      }
    }
  }

  private void schedule(MapDbDocStore failed, long delayMillis) {
    try {
      var unused = reopener.schedule(() -> reopen(failed, delayMillis), delayMillis,
          TimeUnit.MILLISECONDS); // reopen reports its own failures
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // closing
    }
  }

  private void reopen(MapDbDocStore failed, long delayMillis) {
    synchronized (this) {
      if (closed || current != failed) {
        return;
      }
      try {
        failed.close(); // releases the files and the directory lock; checkpoints nothing
        MapDbDocStore next = MapDbDocStore.open(options);
        current = next;
        reopens.incrementAndGet();
        LOG.info("store {} reopened after it failed ({}); it takes writes again",
            options.directory, failed.failure());
        watch(next);
        return;
      } catch (StoreException e) {
        // Retried whatever the reason: on a full disk, recovery can also fail to map a file
        // (reported as corrupt); a directory that is really damaged never opens and stays failed.
        if (e.reason() != StoreException.Reason.FAILED && !StoreState.diskFull(e)) {
          LOG.error("store {} cannot be reopened: {}; retrying", options.directory,
              e.getMessage());
        } else {
          LOG.warn("store {} cannot be reopened yet: {}", options.directory, e.getMessage());
        }
      } catch (IOException | RuntimeException | InternalError e) {
        // InternalError: a memory-mapped write on a still-full disk (SIGBUS); try again later.
        LOG.warn("store {} cannot be reopened yet: {}", options.directory, String.valueOf(e));
      } catch (Throwable t) { // NOPMD: this thread must outlive any failure, or nothing retries
        LOG.error("store {}: reopening failed; retrying", options.directory, t);
      }
    }
    schedule(failed, Math.min(RETRY_MAX.toMillis(), delayMillis * 2));
  }

  /** How many times a failed store was reopened since this one opened. */
  public long reopens() {
    return reopens.get();
  }

  /** True while the store has failed and waits to reopen (or cannot be reopened). */
  public boolean failed() {
    return current.failure() != null;
  }

  /** The store calls go to now (tests, statistics). */
  public MapDbDocStore current() {
    return current;
  }

  @Override
  public Replica replica() {
    return current.replica();
  }

  @Override
  public CompletableFuture<Document> update(String key, Function<Document, Document> mutation) {
    return current.update(key, mutation);
  }

  @Override
  public AutoCloseable subscribe(Consumer<KeyedDelta> durableLocalWrites) {
    subscribers.add(Objects.requireNonNull(durableLocalWrites, "listener"));
    return () -> subscribers.remove(durableLocalWrites);
  }

  @Override
  public CompletableFuture<Void> applyRemote(String key, Document delta) {
    return current.applyRemote(key, delta);
  }

  @Override
  public Optional<Document> get(String key) {
    return current.get(key);
  }

  @Override
  public Optional<Document> peek(String key) {
    return current.peek(key);
  }

  @Override
  public KeyPage list(String prefix, String after, int limit) {
    return current.list(prefix, after, limit);
  }

  @Override
  public long count() {
    return current.count();
  }

  @Override
  public long sizeOnDisk() {
    return current.sizeOnDisk();
  }

  /** {@inheritDoc} While a failed store waits to reopen: what it held durably. */
  @Override
  public CausalContext context() {
    return current.context();
  }

  @Override
  public CloseableIterator<KeyedDelta> changedSince(CausalContext remote) {
    return current.changedSince(remote);
  }

  /** {@link MapDbDocStore#backup}, of the store open now. */
  public Backups.Taken backup(java.nio.file.Path target) throws IOException {
    return current.backup(target);
  }

  @Override
  public void flush() {
    current.flush();
  }

  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    reopener.shutdownNow();
    current.close();
  }
}
