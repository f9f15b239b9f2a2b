package dev.meridian.persistence;

import dev.meridian.crdt.doc.KeyedDelta;
import dev.meridian.crdt.Replica;
import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.doc.Document;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * One replica's documents: what the peer writes to, reads from and syncs from. {@link MapDbDocStore}
 * keeps them on disk; a test double can keep them in memory.
 *
 * <p>Writes return a future that completes when the write is as durable as the store's {@link
 * Durability} promises, with the delta to ship to other replicas. Every key is a document; a key
 * exists once any delta was written under it (a document emptied by removals still exists).
 *
 * <p>Visibility: a write is seen by {@link #get}, {@link #changedSince} and {@link #context} and
 * announced to {@link #subscribe} listeners only once it is durable; a write that could not be made
 * durable is never seen.
 *
 * <p>Implementations are thread-safe. Writes to one key are applied in the order their calls
 * return; writes to different keys run concurrently.
 */
public interface DocStore extends AutoCloseable {

  /** The replica that mutates this store's documents (its id and dot counter). */
  Replica replica();

  /**
   * Applies a local mutation to the document at {@code key} (created empty if absent).
   *
   * <p>{@code mutation} receives the live document, bound to {@link #replica()}, calls one or more
   * mutators on it and returns their delta (one mutator's result, or several joined). The store
   * records every change the mutation made to the document through its mutators, even one whose
   * delta it did not return. Call only mutators: a change made any other way (joining a delta into
   * the document, or through {@code map()}) is not recorded; use {@link #applyRemote} for deltas
   * from elsewhere. If {@code mutation} throws (or returns null), none of its changes are kept and
   * the future fails; an {@link Error} it throws propagates from this call instead.
   *
   * @return the delta of the mutation's changes (empty if it made none), once durable
   * @throws IllegalArgumentException for a bad key
   */
  CompletableFuture<Document> update(String key, Function<Document, Document> mutation);

  /**
   * Calls {@code durableLocalWrites} with the key and recorded delta of every later local write,
   * once it is durable, in journal order, on a thread of the store's. The listener must return
   * quickly.
   *
   * @return a handle whose {@code close()} stops the calls
   */
  AutoCloseable subscribe(Consumer<KeyedDelta> durableLocalWrites);

  /**
   * Joins a delta (or a whole state) received from another replica into the document at {@code
   * key}. The delta is not kept: the store copies what it needs. A delta that fails to join is
   * refused (the future fails) and changes nothing.
   *
   * @return completes once durable (in either durability mode)
   * @throws IllegalArgumentException for a bad key
   */
  CompletableFuture<Void> applyRemote(String key, Document delta);

  /**
   * A copy of the document at {@code key} (unbound: it cannot be written), or empty if no delta was
   * ever written there.
   *
   * @throws IllegalStateException if the store is closed
   */
  Optional<Document> get(String key);

  /**
   * As {@link #get}, for a document read once in a scan of many: the store may skip caching it.
   *
   * @throws IllegalStateException if the store is closed
   */
  default Optional<Document> peek(String key) {
    return get(key);
  }

  /**
   * Keys starting with {@code prefix}, ascending, after {@code after} (exclusive; null for the
   * first page), at most {@code limit} of them.
   *
   * @throws IllegalArgumentException unless {@code limit > 0}
   */
  KeyPage list(String prefix, String after, int limit);

  /** The number of documents. */
  long count();

  /** Bytes this store takes on disk. */
  long sizeOnDisk();

  /** The store context: the union of every document's {@link Document#context()} (a copy). */
  CausalContext context();

  /**
   * The sync query: every document holding an event outside {@code remote}, with its {@code
   * deltaSince(remote)}. Runs in bounded memory however many documents match; close the iterator if
   * you stop early. Documents written while the iterator runs may or may not be included (push
   * carries them), and a document may, rarely, come twice.
   */
  CloseableIterator<KeyedDelta> changedSince(CausalContext remote);

  /** Waits until every write made so far is durable. */
  void flush();

  /** Makes every write durable and releases the files and the directory lock. Idempotent. */
  @Override
  void close();
}
