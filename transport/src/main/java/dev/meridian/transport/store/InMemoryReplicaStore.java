package dev.meridian.transport.store;

import dev.meridian.crdt.doc.KeyedDelta;
import dev.meridian.crdt.Replica;
import dev.meridian.crdt.ReplicaId;
import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.doc.Document;
import dev.meridian.crdt.doc.LocalWrite;
import dev.meridian.crdt.store.RecordConflicts;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A {@link ReplicaStore} held in memory: the documents of one replica, the events each holds, the
 * store context and an index from events to documents. The reference implementation of the storage
 * interface, used by tests, the simulation and benchmarks; it keeps nothing on disk, but {@link
 * #snapshot()} and {@link #restore} let a simulation crash it back to a saved state.
 *
 * <p>Thread-safe: one lock guards everything; listeners are called after it is released.
 */
public final class InMemoryReplicaStore implements ReplicaStore {
  /*
   * Design notes.
   * [1] A document's events are its applied context. The store context is their union plus "void"
   *     dots: dots this replica minted in a write that then failed without changing the document.
   *     Both are sound in the sense of ReplicaStore; the union is kept up to date as deltas apply.
   * [2] The event index maps, per replica, disjoint spans [first, last] of events to the document
   *     holding them; adjacent spans of one document merge, so a document written in a burst costs
   *     one span. It answers "which documents hold events outside C" in O(missing spans log n), so
   *     a sync query touches only the documents that changed. When more than INDEX_LIMIT dots are
   *     missing (a new or long-gone peer) the cursor walks all documents in key order instead, which
   *     needs no memory per document.
   * [3] The index grows with the number of writes that are not contiguous per document (one span
   *     per interleaved write). That is fine for tests and benchmarks; a persistent store would
   *     fold spans below the lowest context any peer has reported (a compaction this class omits).
   */
  private static final long INDEX_LIMIT = 1 << 16;

  private final Object lock = new Object();
  private final TreeMap<String, Entry> docs = new TreeMap<>();
  private final CausalContext held = new CausalContext();
  private final Map<ReplicaId, TreeMap<Long, Span>> index = new LinkedHashMap<>();
  private final List<Consumer<KeyedDelta>> listeners = new CopyOnWriteArrayList<>();
  private Replica replica;

  private InMemoryReplicaStore(Replica replica) {
    this.replica = Objects.requireNonNull(replica, "replica");
  }

  /** An empty store whose local writes are made as {@code replica}. */
  public static InMemoryReplicaStore create(Replica replica) {
    return new InMemoryReplicaStore(replica);
  }

  /** One document (a holder, so the map's values stay put while documents change in place). */
  private static final class Entry {
    final Document doc;

    Entry(Document doc) {
      this.doc = doc;
    }
  }

  /** Events [start, last] of one replica held by document {@code key}. */
  private record Span(long last, String key) {}

  // ---- local writes and reads -------------------------------------------------------------------

  /**
   * Applies a local write to document {@code key} (created empty if absent) and announces it to the
   * subscribers, by crdt-core's {@link LocalWrite} rule, as every store does. {@code mutation} calls
   * the document's mutators and returns their delta (join the deltas of several mutators into one).
   * It must not keep the document.
   *
   * @return the delta and the events the write minted, or null if it minted none
   * @throws RuntimeException whatever {@code mutation} throws; the write then changes nothing and
   *     the dots it minted are void (in the store context)
   */
  public KeyedDelta update(String key, Function<Document, Document> mutation) {
    Objects.requireNonNull(key, "key");
    KeyedDelta out;
    synchronized (lock) {
      Entry e = docs.get(key);
      // The mutation runs on a copy, so a failed one leaves the document as it was.
      Document work = e == null ? Document.create(replica) : e.doc.copy();
      LocalWrite.Outcome outcome = LocalWrite.apply(work, replica, mutation);
      if (outcome instanceof LocalWrite.Failed f) {
        held.addAll(f.voided()); // void dots (design note [1])
        throw f.error();
      }
      LocalWrite.Applied a = (LocalWrite.Applied) outcome;
      held.addAll(a.voided());
      if (a.events().isEmpty()) {
        return null;
      }
      held.addAll(a.events());
      docs.put(key, new Entry(work));
      indexEvents(key, a.events());
      out = new KeyedDelta(key, a.delta(), a.events());
    }
    for (Consumer<KeyedDelta> l : listeners) {
      l.accept(out);
    }
    return out;
  }

  /** A copy of document {@code key}, or null if this store holds none. */
  public Document get(String key) {
    synchronized (lock) {
      Entry e = docs.get(key);
      return e == null ? null : e.doc.copy();
    }
  }

  /** Copies of all documents, by key. */
  public TreeMap<String, Document> documents() {
    synchronized (lock) {
      TreeMap<String, Document> out = new TreeMap<>();
      docs.forEach((k, e) -> out.put(k, e.doc.copy()));
      return out;
    }
  }

  /** The number of documents. */
  public int size() {
    synchronized (lock) {
      return docs.size();
    }
  }

  /** The replica that makes this store's local writes. */
  public Replica replica() {
    synchronized (lock) {
      return replica;
    }
  }

  // ---- ReplicaStore -----------------------------------------------------------------------------

  @Override
  public ReplicaId replicaId() {
    return replica().id();
  }

  @Override
  public long lastIssued() {
    return replica().lastCounter();
  }

  @Override
  public CausalContext context() {
    synchronized (lock) {
      return held.copy();
    }
  }

  @Override
  public List<KeyedDelta> apply(List<KeyedDelta> deltas) {
    List<KeyedDelta> taught = new ArrayList<>();
    synchronized (lock) {
      for (KeyedDelta d : deltas) { // all or none: every delta is checked before any is joined
        Entry e = docs.get(d.key());
        String conflict = e == null ? null
            : RecordConflicts.find(e.doc.map().store(), d.delta().map().store());
        if (conflict != null) {
          throw new DeltaRefusedException(d.key(), conflict);
        }
      }
      for (KeyedDelta d : deltas) {
        Entry e = docs.get(d.key());
        if (e == null) {
          e = new Entry(Document.empty().bind(replica));
          docs.put(d.key(), e);
        }
        e.doc.join(d.delta());
        CausalContext fresh = d.events().minus(held);
        if (!fresh.isEmpty()) {
          held.addAll(fresh);
          indexEvents(d.key(), fresh);
          taught.add(d);
        }
      }
    }
    return taught;
  }

  @Override
  public SyncCursor syncQuery(CausalContext remote) {
    CausalContext theirs = remote.copy();
    synchronized (lock) {
      CausalContext missing = held.minus(theirs);
      if (missing.isEmpty()) {
        return SyncCursor.empty();
      }
      if (missing.dotCount() > INDEX_LIMIT) {
        return new Cursor(theirs, null);
      }
      TreeSet<String> keys = new TreeSet<>();
      missing.forEachRange((r, lo, hi) -> {
        TreeMap<Long, Span> spans = index.get(r);
        if (spans == null) {
          return;
        }
        Map.Entry<Long, Span> below = spans.floorEntry(lo);
        if (below != null && below.getValue().last() >= lo) {
          keys.add(below.getValue().key());
        }
        for (Span s : spans.subMap(lo, false, hi, true).values()) {
          keys.add(s.key());
        }
      });
      return new Cursor(theirs, keys.iterator());
    }
  }

  @Override
  public AutoCloseable subscribe(Consumer<KeyedDelta> listener) {
    Objects.requireNonNull(listener, "listener");
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  /** Walks candidate keys (index mode) or all keys in order (scan mode, {@code keys} null). */
  private final class Cursor implements SyncCursor {
    private final CausalContext remote;
    private Iterator<String> keys;
    private String last;
    private boolean done;

    Cursor(CausalContext remote, Iterator<String> keys) {
      this.remote = remote;
      this.keys = keys;
    }

    @Override
    public KeyedDelta next() {
      synchronized (lock) {
        while (!done) {
          String key;
          if (keys != null) {
            key = keys.hasNext() ? keys.next() : null;
          } else {
            key = last == null ? (docs.isEmpty() ? null : docs.firstKey()) : docs.higherKey(last);
            last = key;
          }
          if (key == null) {
            close();
            return null;
          }
          Entry e = docs.get(key);
          if (e == null) {
            continue;
          }
          CausalContext events = e.doc.context();
          CausalContext outside = events.minus(remote);
          if (!outside.isEmpty()) {
            CausalContext theirs = events.minus(outside); // remote ∩ this document's events
            return new KeyedDelta(key, e.doc.deltaSince(theirs), outside);
          }
        }
        return null;
      }
    }

    @Override
    public void close() {
      done = true;
      keys = null;
    }
  }

  // ---- the event index --------------------------------------------------------------------------

  private void indexEvents(String key, CausalContext events) {
    events.forEachRange((r, lo, hi) -> {
      TreeMap<Long, Span> spans = index.computeIfAbsent(r, x -> new TreeMap<>());
      long start = lo;
      long last = hi;
      Map.Entry<Long, Span> below = spans.floorEntry(lo - 1);
      if (below != null && below.getValue().last() == lo - 1 && below.getValue().key().equals(key)) {
        start = below.getKey();
      }
      Span above = spans.get(hi + 1);
      if (above != null && above.key().equals(key)) {
        spans.remove(hi + 1);
        last = above.last();
      }
      spans.put(start, new Span(last, key));
    });
  }

  /** The number of spans in the event index (for tests of its compactness). */
  int indexSpans() {
    synchronized (lock) {
      int n = 0;
      for (TreeMap<Long, Span> m : index.values()) {
        n += m.size();
      }
      return n;
    }
  }

  // ---- snapshots (simulated crashes) ------------------------------------------------------------

  /** A saved state of a store: what a crash would leave if the store had synced at this moment. */
  public static final class Snapshot {
    private final TreeMap<String, Entry> docs;
    private final CausalContext held;
    private final Map<ReplicaId, TreeMap<Long, Span>> index;
    private final long lastCounter;

    private Snapshot(TreeMap<String, Entry> docs, CausalContext held,
        Map<ReplicaId, TreeMap<Long, Span>> index, long lastCounter) {
      this.docs = docs;
      this.held = held;
      this.index = index;
      this.lastCounter = lastCounter;
    }

    /** The replica's last minted counter when the snapshot was taken. */
    public long lastCounter() {
      return lastCounter;
    }
  }

  /** A deep copy of the current state (documents, events, context, index). */
  public Snapshot snapshot() {
    synchronized (lock) {
      TreeMap<String, Entry> d = new TreeMap<>();
      docs.forEach((k, e) -> d.put(k, new Entry(e.doc.copy())));
      Map<ReplicaId, TreeMap<Long, Span>> i = new LinkedHashMap<>();
      index.forEach((r, m) -> i.put(r, new TreeMap<>(m)));
      return new Snapshot(d, held.copy(), i, replica.lastCounter());
    }
  }

  /**
   * A store holding a copy of {@code snapshot}, whose local writes are made as {@code replica}: pass
   * {@code Replica.resume} with a counter at or above every dot the crashed store may have minted.
   *
   * @throws IllegalArgumentException if {@code replica} could mint a dot the snapshot holds
   */
  public static InMemoryReplicaStore restore(Snapshot snapshot, Replica replica) {
    if (replica.lastCounter() < snapshot.lastCounter) {
      throw new IllegalArgumentException("replica counter " + replica.lastCounter()
          + " is below the snapshot's " + snapshot.lastCounter + ": dots would be minted twice");
    }
    InMemoryReplicaStore s = new InMemoryReplicaStore(replica);
    snapshot.docs.forEach(
        (k, e) -> s.docs.put(k, new Entry(e.doc.copy().bind(replica))));
    s.held.addAll(snapshot.held);
    snapshot.index.forEach((r, m) -> s.index.put(r, new TreeMap<>(m)));
    return s;
  }
}
