package dev.meridian.transport.sim;

import dev.meridian.crdt.ReplicaId;
import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.doc.Document;
import dev.meridian.crdt.doc.KeyedDelta;
import dev.meridian.transport.store.ReplicaStore;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * The store behind one incarnation of a simulated replica: what its replicator sees, how the
 * schedule writes to it, where its durable point is, and how it dies. The simulation is single
 * threaded; every method runs on its thread, in virtual time.
 */
public interface SimStore {
  /** Makes the stores of a schedule's replicas. */
  @FunctionalInterface
  interface Factory {
    /** The storage of replica {@code index} (id {@code id}) in the schedule of {@code seed}. */
    Storage create(long seed, int index, ReplicaId id);

    /** A line of Java that replays the schedule of {@code seed} with these stores. */
    default String replay(long seed) {
      return "new Simulation(" + seed + "L).run()";
    }
  }

  /** What a replica keeps across crashes; it opens one {@link SimStore} per incarnation. */
  interface Storage {
    /**
     * Opens the next incarnation on what was durable when the last one stopped.
     *
     * @param wallMillis the replica's wall clock (virtual)
     * @param later runs an action as an event of its own at the current virtual time (as another
     *     thread of the real peer would, soon after)
     */
    SimStore start(LongSupplier wallMillis, Consumer<Runnable> later);
  }

  /** The store as the replicator sees it. */
  ReplicaStore replicaStore();

  /** Hears of the local writes that replication should announce to peers. */
  void onLocalWrite(Consumer<KeyedDelta> listener);

  /**
   * A local write of {@code key}. {@code recorded} hears of it (its delta and events) once the
   * ghost model may count on it: at once for a store whose {@link #durableCounter()} tracks
   * durability, or once durable for a store that reports only durable writes.
   */
  void write(String key, Function<Document, Document> mutation, Consumer<KeyedDelta> recorded);

  /** The highest dot counter this replica minted. */
  long lastCounter();

  /**
   * The highest counter of this replica's recorded writes that a crash now would keep: a
   * recorded write above it may be lost.
   */
  long durableCounter();

  /** Every event the store holds. */
  CausalContext context();

  /** Every document, by key. */
  TreeMap<String, Document> documents();

  /** A durable point: what is written so far survives a crash. */
  void sync();

  /** Stops as a power cut would: what was not durable is lost. */
  void crash();
}
