package dev.meridian.transport.sim;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.meridian.crdt.ReplicaId;
import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.transport.store.DocDelta;
import dev.meridian.transport.store.InMemoryReplicaStore;
import dev.meridian.transport.store.ReplicaStore;
import dev.meridian.transport.store.SyncCursor;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The simulation has teeth: two plausible store designs that the SPI contract rules out make it
 * fail within a few hundred schedules. Each was a real candidate (the first is what the shared
 * design sketch suggests, the second was this module's first catch-up); these tests keep the story
 * of why {@link ReplicaStore} is specified as it is.
 */
class BrokenStoresTest {
  private static final int SEEDS = 400;

  /** Store context = union of the documents' contexts (not their events). */
  @Test
  void unionOfDocumentContexts_losesWritesForEver() {
    assertSomeScheduleFails(UnionContext::new);
  }

  /** Catch-up sends deltaSince(whole remote store context). */
  @Test
  void deltaSinceOfTheStoreContext_leavesUnequalStates() {
    assertSomeScheduleFails(WholeContextDeltaSince::new);
  }

  private static void assertSomeScheduleFails(
      Function<InMemoryReplicaStore, ReplicaStore> broken) {
    for (long seed = 1; seed <= SEEDS; seed++) {
      try {
        new Simulation(seed, broken).run();
      } catch (AssertionError expected) {
        return;
      }
    }
    assertTrue(false, "no schedule of " + SEEDS + " caught the broken store");
  }

  /** Delegates everything. */
  private abstract static class Forwarding implements ReplicaStore {
    final InMemoryReplicaStore store;

    Forwarding(InMemoryReplicaStore store) {
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
    public List<DocDelta> apply(List<DocDelta> deltas) {
      return store.apply(deltas);
    }

    @Override
    public SyncCursor syncQuery(CausalContext remote) {
      return store.syncQuery(remote);
    }

    @Override
    public AutoCloseable subscribe(Consumer<DocDelta> listener) {
      return store.subscribe(listener);
    }
  }

  private static final class UnionContext extends Forwarding {
    UnionContext(InMemoryReplicaStore store) {
      super(store);
    }

    @Override
    public CausalContext context() {
      CausalContext union = new CausalContext();
      store.documents().values().forEach(d -> union.addAll(d.context()));
      return union;
    }
  }

  private static final class WholeContextDeltaSince extends Forwarding {
    WholeContextDeltaSince(InMemoryReplicaStore store) {
      super(store);
    }

    @Override
    public SyncCursor syncQuery(CausalContext remote) {
      SyncCursor inner = store.syncQuery(remote);
      return new SyncCursor() {
        @Override
        public DocDelta next() {
          DocDelta d = inner.next();
          return d == null ? null
              : new DocDelta(d.key(), store.get(d.key()).deltaSince(remote), d.events());
        }

        @Override
        public void close() {
          inner.close();
        }
      };
    }
  }
}
