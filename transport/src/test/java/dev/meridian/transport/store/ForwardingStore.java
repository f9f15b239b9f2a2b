package dev.meridian.transport.store;

import dev.meridian.crdt.ReplicaId;
import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.doc.KeyedDelta;
import java.util.List;
import java.util.function.Consumer;

/**
 * A test store that hands every call to an {@link InMemoryReplicaStore}; tests override the calls
 * whose behaviour they change (a slow apply, a broken index, durability reported later).
 * {@link #lastIssued()} keeps the interface's default, as the stores it replaced did.
 */
public abstract class ForwardingStore implements ReplicaStore {
  /** The store every call goes to (tests read it directly). */
  public final InMemoryReplicaStore store;

  protected ForwardingStore(InMemoryReplicaStore store) {
    this.store = store;
  }

  @Override
  public ReplicaId replicaId() {
    return store.replicaId();
  }

  @Override
  public CausalContext context() {
    return store.context();
  }

  @Override
  public List<KeyedDelta> apply(List<KeyedDelta> deltas) {
    return store.apply(deltas);
  }

  @Override
  public SyncCursor syncQuery(CausalContext remote) {
    return store.syncQuery(remote);
  }

  @Override
  public AutoCloseable subscribe(Consumer<KeyedDelta> listener) {
    return store.subscribe(listener);
  }
}
