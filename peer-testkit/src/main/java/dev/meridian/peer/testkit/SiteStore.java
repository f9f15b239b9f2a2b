package dev.meridian.peer.testkit;

import dev.meridian.crdt.Replica;
import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.doc.Document;
import dev.meridian.persistence.CloseableIterator;
import dev.meridian.persistence.DocStore;
import dev.meridian.persistence.KeyPage;
import dev.meridian.crdt.doc.KeyedDelta;
import dev.meridian.persistence.MapDbDocStore;
import dev.meridian.persistence.StoreException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A site's {@link MapDbDocStore}, opened by hand, as its {@link dev.meridian.peer.Meridian} sees it
 * in the cluster: the store's committer thread is played by the cluster's thread. It commits where
 * the real committer would have by then: after a local write when writes are durable (so the
 * caller's future is complete when {@code update} returns, as after a real group commit), after a
 * remote join (replication waits for it), and before a read that would wait for a pending write
 * (a real read waits for the committer). Announcements of durable local writes go out as events of
 * their own, as from the store's notifier thread. Every local write's events are counted for the
 * operation that made them ({@link #recordInto}).
 */
final class SiteStore implements DocStore {
  private final MapDbDocStore store;
  private final boolean commitEachWrite;
  private final Consumer<Runnable> later;
  private final Thread owner = Thread.currentThread();
  private boolean pending;
  private boolean crashed;
  private CausalContext recorder;

  SiteStore(MapDbDocStore store, boolean commitEachWrite, Consumer<Runnable> later) {
    this.store = store;
    this.commitEachWrite = commitEachWrite;
    this.later = later;
  }

  MapDbDocStore store() {
    return store;
  }

  /** Whether a local write waits for the committer (only with asynchronous durability). */
  boolean pending() {
    return pending;
  }

  /** Local writes from now on add their events to {@code events} (null: stop). */
  void recordInto(CausalContext events) {
    this.recorder = events;
  }

  /** The committer's turn: makes every write so far durable. */
  void commit() {
    try {
      store.commit();
      pending = false;
    } catch (StoreException e) {
      throw new UncheckedIOException("commit of the site's store", e);
    }
  }

  /** As a real read would, waits for the committer if a write is pending (on the cluster's thread). */
  private void readable() {
    if (pending && !crashed && Thread.currentThread() == owner) {
      commit();
    }
  }

  /** The power is cut: what was not committed is lost, and the store is closed. */
  void crash() throws IOException {
    crashed = true;
    store.crash();
  }

  @Override
  public CompletableFuture<Document> update(String key, Function<Document, Document> mutation) {
    CompletableFuture<Document> f = store.update(key, mutation);
    if (!f.isDone()) {
      pending = true;
      if (commitEachWrite) {
        commit();
      }
    } else if (!f.isCompletedExceptionally()) {
      pending = true; // an asynchronous write: complete at once, durable at the next commit
    }
    if (recorder != null && f.isDone() && !f.isCompletedExceptionally()) {
      recorder.addAll(f.join().context());
    }
    return f;
  }

  @Override
  public CompletableFuture<Void> applyRemote(String key, Document delta) {
    CompletableFuture<Void> f = store.applyRemote(key, delta);
    if (!f.isDone()) {
      commit(); // StoreReplica.apply waits for it, as for the real committer
    }
    return f;
  }

  @Override
  public AutoCloseable subscribe(Consumer<KeyedDelta> durableLocalWrites) {
    return store.subscribe(w -> later.accept(() -> durableLocalWrites.accept(w)));
  }

  @Override
  public Replica replica() {
    return store.replica();
  }

  @Override
  public Optional<Document> get(String key) {
    readable();
    return store.get(key);
  }

  @Override
  public Optional<Document> peek(String key) {
    readable();
    return store.peek(key);
  }

  @Override
  public KeyPage list(String prefix, String after, int limit) {
    readable();
    return store.list(prefix, after, limit);
  }

  @Override
  public long count() {
    return store.count();
  }

  @Override
  public long sizeOnDisk() {
    return store.sizeOnDisk();
  }

  @Override
  public CausalContext context() {
    return store.context();
  }

  @Override
  public CloseableIterator<KeyedDelta> changedSince(CausalContext remote) {
    return store.changedSince(remote);
  }

  @Override
  public void flush() {
    if (!crashed) {
      commit();
    }
  }

  /** A clean close (keeps every write); nothing after a crash. */
  @Override
  public void close() {
    if (!crashed) {
      store.close();
    }
  }
}
