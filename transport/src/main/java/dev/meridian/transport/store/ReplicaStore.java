package dev.meridian.transport.store;

import dev.meridian.crdt.doc.KeyedDelta;
import dev.meridian.crdt.ReplicaId;
import dev.meridian.crdt.clock.CausalContext;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * What replication needs from one replica's storage, and nothing more: apply remote deltas, say
 * which events the store holds, find what another store lacks, and announce local writes.
 *
 * <h2>Events</h2>
 *
 * An <em>event</em> is the dot of one write to one document. The store context ({@link #context})
 * is the set of events whose effects this store holds: the union of its documents' applied
 * contexts ({@code Document.context()}, which excludes dots a delta removed without the store
 * having applied their writes). Every {@link KeyedDelta} names the events it carries.
 *
 * <h2>Contract</h2>
 *
 * <ul>
 *   <li><b>Soundness.</b> Every dot in {@link #context()} is an event this store holds (for the
 *       document it was minted for), or a dot its own replica minted that no document holds. A
 *       context that says more makes peers skip what this store lacks, for good.
 *   <li><b>Sync query.</b> {@link #syncQuery(CausalContext)} returns every document that holds an
 *       event outside {@code remote} (it may return others), each as {@code deltaSince(remote ∩
 *       E)} where E is the document's events, with its events outside {@code remote}. Joining the
 *       results into the store whose sound context is {@code remote} gives it every event held
 *       here. <b>Every</b> event counts, not only the newest per document and replica: pushes can
 *       be lost or dropped (a slow peer overflows its push queue), so a peer may hold a document's
 *       newer write and lack an older one. A query that skips a document whose newest dot per
 *       replica is in {@code remote} skips it for ever (the transport's BrokenStoresTest); an
 *       index of newest dots works if scanned from the first counter {@code remote} lacks.
 *   <li><b>Local writes</b> are announced to subscribers with their exact events (the dots minted
 *       by the write). A store may announce before the write is durable: a write lost by a crash
 *       after it reached a peer is simply restored from that peer.
 *   <li><b>Crashes.</b> After a restart the store's replica resumes its counter above every dot it
 *       may have minted before ({@code Replica.resume}); the restored state must be one the store
 *       actually held (context and documents from the same moment).
 *   <li>Thread-safe: replication calls it from its own thread while the application writes.
 * </ul>
 *
 * <p>An idle sync round costs a comparison of two store contexts, O(replicas) when they are
 * gap-free; implementations should answer an empty difference without touching any document.
 */
public interface ReplicaStore {
  /** The id of the replica this store belongs to. */
  ReplicaId replicaId();

  /**
   * The highest counter this store's replica may have issued: every dot it minted, and after a
   * restart every counter it may have minted before (its resumed counter). No correct peer holds a
   * dot of this replica above it, so replication refuses a delta that names one. The default,
   * {@code Long.MAX_VALUE}, disables that check; implementations return their replica's {@code
   * lastCounter()}.
   */
  default long lastIssued() {
    return Long.MAX_VALUE;
  }

  /** A copy of the store context: the events this store holds (see the class comment). */
  CausalContext context();

  /**
   * Joins remote deltas, in order, and records the events they carry. The caller has validated
   * them (decoded, events within each delta's context).
   *
   * @return the deltas that taught this store at least one event it did not hold, in order (the
   *     ones worth relaying to other peers)
   * @throws DeltaRefusedException before changing anything, if a delta holds a record that exists
   *     here with other content (check each with crdt-core's {@code RecordConflicts.find} first)
   */
  List<KeyedDelta> apply(List<KeyedDelta> deltas);

  /**
   * As {@link #apply}, for a store whose joins become durable after they are made (a journal's
   * group commit): the deltas are joined, in order, before this returns, and the future completes,
   * on any thread, once all of them are durable, with the deltas that taught this store an event
   * (as {@link #apply} returns them); it fails if they cannot be made durable. The store context
   * covers their events by the time the future completes. The replication engine acknowledges a
   * batch and relays its deltas only then, and keeps reading the stream meanwhile.
   *
   * <p>The default calls {@link #apply} and returns its result completed.
   *
   * @throws DeltaRefusedException as {@link #apply} does; deltas before the refused one stay joined
   */
  default CompletableFuture<List<KeyedDelta>> applyDurably(List<KeyedDelta> deltas) {
    return CompletableFuture.completedFuture(apply(deltas));
  }

  /**
   * Starts a walk over the documents holding events outside {@code remote}, each as {@code
   * deltaSince(remote)} with its events outside {@code remote} (see the class comment). Nothing is
   * computed until the caller pulls.
   */
  SyncCursor syncQuery(CausalContext remote);

  /**
   * Calls {@code listener} with the delta and events of every later local write, on the writing
   * thread, after the write is applied. The listener must return quickly.
   *
   * @return a handle whose {@code close()} stops the calls
   */
  AutoCloseable subscribe(Consumer<KeyedDelta> listener);
}
