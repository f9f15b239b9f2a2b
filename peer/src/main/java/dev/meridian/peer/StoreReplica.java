package dev.meridian.peer;

import dev.meridian.crdt.ReplicaId;
import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.persistence.CloseableIterator;
import dev.meridian.persistence.DocStore;
import dev.meridian.crdt.doc.KeyedDelta;
import dev.meridian.transport.store.ReplicaStore;
import dev.meridian.transport.store.SyncCursor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * Replication's view of the peer's {@link DocStore}: applies remote deltas durably, answers sync
 * queries from the store's dot index, and announces local writes once durable.
 */
final class StoreReplica implements ReplicaStore {
  /*
   * Design notes.
   * [1] applyDurably() joins a batch at once and completes once the batch is durable; the
   *     replication engine acks (and reports a store context covering) only what survives a crash
   *     here, and relays and announces it only then. The joins of one batch share a journal group
   *     commit, and the engine keeps reading while it waits. `pending` holds the events of joined
   *     batches not durable yet, so a later batch carrying the same events (a relay from another
   *     peer) does not count them as new twice. It is touched by the engine's thread and by the
   *     journal's notifier thread, under its own monitor.
   * [2] Events of a sync answer: the store gives deltaSince(remote); its applied context minus
   *     remote is exactly the events the asker lacks (a document's delta context holds every event
   *     of the document outside remote). Documents with none are skipped.
   * [3] A local write is announced with its delta's applied context, the dots it minted. If the
   *     caller's mutation returned only part of its writes, the rest still reach peers: they are in
   *     the store context, so the next sync round ships them.
   */
  private final DocStore store;
  private final List<Consumer<KeyedDelta>> listeners = new CopyOnWriteArrayList<>();
  private final Changes changes;
  private CausalContext pending = new CausalContext(); // guarded by this; design note [1]

  /** Hears of each durable change: the document, its origin, its events. */
  interface Changes {
    void changed(String key, Change.Origin origin, CausalContext events);
  }
  final LongAdder deltasReceived = new LongAdder();
  final LongAdder deltasNew = new LongAdder();
  final LongAdder deltasServed = new LongAdder();

  StoreReplica(DocStore store, Changes changes) {
    this.store = store;
    this.changes = changes;
  }

  @Override
  public ReplicaId replicaId() {
    return store.replica().id();
  }

  @Override
  public CausalContext context() {
    return store.context();
  }

  @Override
  public long lastIssued() {
    return store.replica().lastCounter();
  }

  @Override
  public List<KeyedDelta> apply(List<KeyedDelta> deltas) {
    try {
      return applyDurably(deltas).join();
    } catch (java.util.concurrent.CompletionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : e;
    }
  }

  @Override
  public CompletableFuture<List<KeyedDelta>> applyDurably(List<KeyedDelta> deltas) {
    CausalContext held = store.context();
    synchronized (this) {
      held.addAll(pending);
    }
    List<KeyedDelta> taught = new ArrayList<>();
    List<CausalContext> learned = new ArrayList<>();
    CausalContext fresh = new CausalContext();
    List<CompletableFuture<Void>> durable = new ArrayList<>(deltas.size());
    for (KeyedDelta d : deltas) {
      CompletableFuture<Void> f = store.applyRemote(d.key(), d.delta());
      if (f.isCompletedExceptionally()) {
        Throwable cause = f.handle((v, t) -> t).join();
        cause = cause instanceof java.util.concurrent.CompletionException && cause.getCause() != null
            ? cause.getCause() : cause;
        if (cause instanceof IllegalArgumentException refused) {
          // A delta the store refused (a conflicting record, or one that does not join).
          throw new dev.meridian.transport.store.DeltaRefusedException(d.key(),
              refused.getMessage());
        }
      }
      durable.add(f);
      CausalContext news = d.events().minus(held);
      if (!news.isEmpty()) {
        held.addAll(news);
        fresh.addAll(news);
        taught.add(d);
        learned.add(news);
      }
    }
    synchronized (this) {
      pending.addAll(fresh);
    }
    return CompletableFuture.allOf(durable.toArray(new CompletableFuture<?>[0]))
        .whenComplete((v, t) -> {
          synchronized (this) {
            pending = pending.minus(fresh);
          }
        })
        .thenApply(v -> {
          deltasReceived.add(deltas.size());
          deltasNew.add(taught.size());
          for (int i = 0; i < taught.size(); i++) {
            changes.changed(taught.get(i).key(), Change.Origin.REMOTE, learned.get(i));
          }
          return taught;
        });
  }

  @Override
  public SyncCursor syncQuery(CausalContext remote) {
    CausalContext theirs = remote.copy();
    CloseableIterator<KeyedDelta> it = store.changedSince(theirs);
    return new SyncCursor() {
      @Override
      public KeyedDelta next() {
        while (it.hasNext()) {
          KeyedDelta k = it.next();
          CausalContext events = k.delta().context().minus(theirs);
          if (!events.isEmpty()) {
            deltasServed.increment();
            return new KeyedDelta(k.key(), k.delta(), events);
          }
        }
        return null;
      }

      @Override
      public void close() {
        try {
          it.close();
        } catch (Exception e) {
          throw new IllegalStateException("closing a sync query failed", e);
        }
      }
    };
  }

  @Override
  public AutoCloseable subscribe(Consumer<KeyedDelta> listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  /** A local write of {@code key} became durable: tell replication and the watchers. */
  void localWriteDurable(KeyedDelta written) {
    for (Consumer<KeyedDelta> l : listeners) {
      l.accept(written);
    }
    changes.changed(written.key(), Change.Origin.LOCAL, written.events());
  }
}
