package dev.meridian.benchmarks.replication;

import dev.meridian.crdt.ReplicaId;
import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.clock.Dot;
import dev.meridian.crdt.doc.KeyedDelta;
import dev.meridian.transport.store.InMemoryReplicaStore;
import dev.meridian.transport.store.ReplicaStore;
import dev.meridian.transport.store.SyncCursor;
import java.util.List;
import java.util.function.Consumer;

/** An in-memory store that tells a {@link LatencyTracker} which events it applied. */
final class ObservedStore implements ReplicaStore {
  final InMemoryReplicaStore inner;
  private final LatencyTracker tracker;

  ObservedStore(InMemoryReplicaStore inner, LatencyTracker tracker) {
    this.inner = inner;
    this.tracker = tracker;
  }

  @Override
  public ReplicaId replicaId() {
    return inner.replicaId();
  }

  @Override
  public CausalContext context() {
    return inner.context();
  }

  @Override
  public List<KeyedDelta> apply(List<KeyedDelta> deltas) {
    List<KeyedDelta> taught = inner.apply(deltas);
    for (KeyedDelta d : taught) {
      if (d.events().dotCount() <= 64) {
        d.events().forEachDot(tracker::applied);
      } else {
        d.events().forEachRange((r, lo, hi) -> tracker.applied(new Dot(r, hi)));
      }
    }
    return taught;
  }

  @Override
  public SyncCursor syncQuery(CausalContext remote) {
    return inner.syncQuery(remote);
  }

  @Override
  public AutoCloseable subscribe(Consumer<KeyedDelta> listener) {
    return inner.subscribe(listener);
  }
}
