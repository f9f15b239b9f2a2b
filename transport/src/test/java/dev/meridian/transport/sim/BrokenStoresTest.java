package dev.meridian.transport.sim;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.meridian.crdt.ReplicaId;
import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.doc.KeyedDelta;
import dev.meridian.transport.store.ForwardingStore;
import dev.meridian.transport.store.InMemoryReplicaStore;
import dev.meridian.transport.store.ReplicaStore;
import dev.meridian.transport.store.SyncCursor;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The simulation has teeth: plausible store designs that the SPI contract rules out make it fail
 * within a few hundred schedules. These tests keep the story of why {@link ReplicaStore} is
 * specified as it is. (Two earlier ones, the union of document contexts as store context and
 * catch-up by deltaSince of the whole store context, failed here while crdt-core let a delta claim
 * other documents' dots; crdt-core has since dropped claims and both became sound.)
 */
class BrokenStoresTest {
  private static final int SEEDS = 400;

  /**
   * A sync query that skips a document when its newest dot per replica is in the remote's
   * context: a peer that got a document's newer write but lost an older one (a dropped push) never
   * gets the older one. (Scanning an index of newest dots from the first counter the remote lacks,
   * as persistence does, is sound.)
   */
  @Test
  void newestDotInContext_losesOlderWrites() {
    assertSomeScheduleFails(NewestEventIndex::new);
  }

  /** Store context = union of the documents' join contexts, which include seen-not-applied dots. */
  @Test
  void joinContextsAsStoreContext_claimsRemovedWritesNeverApplied() {
    assertSomeScheduleFails(JoinContexts::new);
  }

  private static void assertSomeScheduleFails(
      Function<InMemoryReplicaStore, ReplicaStore> broken) {
    for (long seed = 1; seed <= SEEDS; seed++) {
      try {
        new Simulation(seed, broken).run();
      } catch (AssertionError expected) {
        LoggerFactory.getLogger(BrokenStoresTest.class).info("caught at seed {}: {}", seed,
            expected.getMessage().lines().findFirst().orElse(""));
        return;
      }
    }
    assertTrue(false, "no schedule of " + SEEDS + " caught the broken store");
  }

  private static final class NewestEventIndex extends ForwardingStore {
    NewestEventIndex(InMemoryReplicaStore store) {
      super(store);
    }

    @Override
    public SyncCursor syncQuery(CausalContext remote) {
      SyncCursor inner = store.syncQuery(remote);
      return new SyncCursor() {
        @Override
        public KeyedDelta next() {
          for (KeyedDelta d = inner.next(); d != null; d = inner.next()) {
            CausalContext events = store.get(d.key()).context();
            for (ReplicaId r : events.replicas()) {
              if (!remote.contains(r, events.max(r))) {
                return d; // the newest event of some replica is missing: the index finds it
              }
            }
          }
          return null;
        }

        @Override
        public void close() {
          inner.close();
        }
      };
    }
  }

  private static final class JoinContexts extends ForwardingStore {
    JoinContexts(InMemoryReplicaStore store) {
      super(store);
    }

    @Override
    public CausalContext context() {
      CausalContext union = store.context();
      store.documents().values().forEach(d -> union.addAll(d.map().liveContext()));
      return union;
    }
  }
}
