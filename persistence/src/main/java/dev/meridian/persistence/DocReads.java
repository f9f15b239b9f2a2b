package dev.meridian.persistence;

import dev.meridian.crdt.Replica;
import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.codec.CodecException;
import dev.meridian.crdt.doc.Document;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;

/**
 * How a {@link MapDbDocStore} finds a document: the cache, else the current MapDB file joined with
 * the overlay; and the reads of callers and of the sync query, which wait for the fsync of the
 * key's last write (the store's design note [3]).
 *
 * <p>Every method but {@link #syncReads()} is called with nothing held and takes the key's stripe
 * lock, except {@link #live} and {@link #load}, whose caller holds it.
 */
final class DocReads {
  private final Path dir;
  private final Replica replica;
  private final View view;
  private final DocCache cache;
  private final KeyLocks keys;
  private final StoreState state;
  private final LongAdder syncReads = new LongAdder();

  DocReads(Path dir, Replica replica, View view, DocCache cache, KeyLocks keys, StoreState state) {
    this.dir = dir;
    this.replica = replica;
    this.view = view;
    this.cache = cache;
    this.keys = keys;
    this.state = state;
  }

  /** Documents the sync query read since open. */
  long syncReads() {
    return syncReads.sum();
  }

  /** A document to write: the cached copy, or one loaded (empty if absent) with its size. */
  record Live(Document doc, boolean cached, long loadedBytes) {}

  /** The live document of {@code key}, bound to this replica; the caller holds its stripe. */
  Live live(String key) {
    Document doc = cache.get(key);
    if (doc != null) {
      return new Live(doc, true, 0);
    }
    View.Loaded l = load(key);
    return l == null ? new Live(Document.empty().bind(replica), false, 0)
        : new Live(l.doc().bind(replica), false, l.bytes());
  }

  /** The document from disk (current file plus overlay), or null; the caller holds its stripe. */
  View.Loaded load(String key) {
    try {
      return view.load(key);
    } catch (CodecException | RuntimeException e) {
      Path file = dir.resolve(MapDbDocStore.SLOT_FILES[view.current()]);
      throw new UncheckedIOException(new StoreException(StoreException.Reason.CORRUPT, file,
          "document " + key + " cannot be read from " + file + ": " + e, e));
    }
  }

  /** Design note [3]; the caller holds the key's stripe. */
  private void awaitVisible(String key) {
    try {
      keys.awaitDurable(key);
    } catch (StoreException e) {
      // The journal failed; the notifier may not have told this store yet.
      throw new IllegalStateException(state.failure() == null ? e.getMessage() : state.unusable(), e);
    }
  }

  /** A read-only copy of the durable document; one read from disk is cached if {@code keep}. */
  Optional<Document> read(String key, boolean keep) {
    KeyLocks.check(key);
    state.checkReadable();
    synchronized (keys.stripe(key)) {
      awaitVisible(key);
      state.checkReadable();
      Document doc = cache.get(key);
      if (doc != null) {
        return Optional.of(doc.copy());
      }
      View.Loaded l = load(key);
      if (l == null) {
        return Optional.empty();
      }
      if (!keep) {
        return Optional.of(l.doc()); // loaded for this call alone: no copy needed
      }
      cache.put(key, l.doc(), l.bytes());
      return Optional.of(l.doc().copy());
    }
  }

  /** The sync query's read: the durable document's delta for {@code remote}, or null. */
  Document deltaFor(String key, CausalContext remote) {
    state.checkReadable();
    syncReads.increment();
    synchronized (keys.stripe(key)) {
      awaitVisible(key);
      Document doc = cache.get(key);
      if (doc == null) {
        View.Loaded l = load(key);
        doc = l == null ? null : l.doc();
      }
      return doc != null && !doc.context().isSubsetOf(remote) ? doc.deltaSince(remote) : null;
    }
  }
}
