package dev.meridian.transport.sim;

import dev.meridian.crdt.Replica;
import dev.meridian.crdt.ReplicaId;
import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.clock.HybridClock;
import dev.meridian.crdt.doc.Document;
import dev.meridian.crdt.doc.KeyedDelta;
import dev.meridian.transport.store.InMemoryReplicaStore;
import dev.meridian.transport.store.ReplicaStore;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * An {@link InMemoryReplicaStore} whose durable image is the last {@link #sync()}: a crash loses
 * everything since (writes and remote deltas alike); a restart resumes the replica's counter from
 * its durable high-water mark, which is kept at or above every dot minted (as storage must).
 * Writes are recorded at once; {@link #durableCounter()} is the counter at the last sync.
 */
final class InMemorySimStore implements SimStore {
  /** The durable image of one replica across incarnations. */
  static final class Storage implements SimStore.Storage {
    private final ReplicaId id;
    private final Function<InMemoryReplicaStore, ReplicaStore> view;
    private InMemoryReplicaStore.Snapshot durable;
    private long highWater;
    private long syncedCounter;

    Storage(ReplicaId id, Function<InMemoryReplicaStore, ReplicaStore> view) {
      this.id = id;
      this.view = view;
    }

    @Override
    public SimStore start(LongSupplier wallMillis, Consumer<Runnable> later) {
      Replica replica = Replica.resume(id, highWater, new HybridClock(wallMillis));
      InMemoryReplicaStore store = durable == null
          ? InMemoryReplicaStore.create(replica)
          : InMemoryReplicaStore.restore(durable, replica);
      return new InMemorySimStore(this, store);
    }
  }

  /** In-memory stores, each seen by its replicator through {@code view}. */
  static SimStore.Factory factory(Function<InMemoryReplicaStore, ReplicaStore> view) {
    return (seed, index, id) -> new Storage(id, view);
  }

  private final Storage storage;
  private final InMemoryReplicaStore store;
  private final ReplicaStore view;

  private InMemorySimStore(Storage storage, InMemoryReplicaStore store) {
    this.storage = storage;
    this.store = store;
    this.view = storage.view.apply(store);
  }

  @Override
  public ReplicaStore replicaStore() {
    return view;
  }

  @Override
  public void onLocalWrite(Consumer<KeyedDelta> listener) {
    store.subscribe(listener);
  }

  @Override
  public void write(String key, Function<Document, Document> mutation,
      Consumer<KeyedDelta> recorded) {
    KeyedDelta d = store.update(key, mutation);
    storage.highWater = Math.max(storage.highWater, store.replica().lastCounter());
    if (d != null) {
      recorded.accept(d);
    }
  }

  @Override
  public long lastCounter() {
    return store.replica().lastCounter();
  }

  @Override
  public long durableCounter() {
    return storage.syncedCounter;
  }

  @Override
  public CausalContext context() {
    return store.context();
  }

  @Override
  public TreeMap<String, Document> documents() {
    return store.documents();
  }

  @Override
  public void sync() {
    storage.durable = store.snapshot();
    storage.syncedCounter = store.replica().lastCounter();
  }

  @Override
  public void crash() {
    // nothing to stop: the durable image is the last snapshot
  }
}
