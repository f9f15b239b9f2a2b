package dev.meridian.persistence;

import dev.meridian.crdt.doc.KeyedDelta;
import dev.meridian.crdt.Replica;
import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.doc.Document;
import dev.meridian.crdt.map.OrMap;
import dev.meridian.crdt.store.DotMap;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Function;
import dev.meridian.crdt.doc.LocalWrite;

/**
 * A {@link DocStore} test double in memory: what the peer's tests can use instead of disk. Every
 * write is "durable" at once; the sync query scans every document.
 */
final class InMemoryDocStore implements DocStore {
  private final Replica replica = Replica.random();
  private final TreeMap<String, Document> docs = new TreeMap<>();
  private final CausalContext context = new CausalContext();
  private CausalContext voided = new CausalContext();
  private final List<Consumer<KeyedDelta>> subscribers = new CopyOnWriteArrayList<>();

  @Override
  public Replica replica() {
    return replica;
  }

  @Override
  public AutoCloseable subscribe(Consumer<KeyedDelta> durableLocalWrites) {
    subscribers.add(durableLocalWrites);
    return () -> subscribers.remove(durableLocalWrites);
  }

  @Override
  public CompletableFuture<Document> update(String key, Function<Document, Document> mutation) {
    requireKey(key);
    Document delta;
    synchronized (this) {
      // The local-write rule, as every store: a failed mutation is discarded (it ran on a copy).
      Document doc = docs.getOrDefault(key, Document.empty()).copy();
      LocalWrite.Outcome outcome = LocalWrite.apply(doc, replica, mutation);
      if (outcome instanceof LocalWrite.Failed f) {
        context.addAll(f.voided());
        voided.addAll(f.voided());
        return CompletableFuture.failedFuture(f.error());
      }
      LocalWrite.Applied a = (LocalWrite.Applied) outcome;
      context.addAll(a.voided());
      voided.addAll(a.voided());
      if (a.events().isEmpty()) {
        return CompletableFuture.completedFuture(Document.empty());
      }
      delta = a.delta();
      if (!voided.isEmpty()) { // as MapDbDocStore: void dots ride with the next write
        Document v = Document.of(OrMap.of(new DotMap<>(), voided, true));
        delta.join(v);
        doc.join(v);
        voided = new CausalContext();
      }
      docs.put(key, doc);
      context.addAll(delta.context());
    }
    KeyedDelta written = KeyedDelta.of(key, delta);
    subscribers.forEach(l -> l.accept(written));
    return CompletableFuture.completedFuture(delta);
  }

  @Override
  public synchronized CompletableFuture<Void> applyRemote(String key, Document delta) {
    requireKey(key);
    docs.computeIfAbsent(key, k -> Document.empty()).join(delta);
    context.addAll(delta.context());
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public synchronized Optional<Document> get(String key) {
    return Optional.ofNullable(docs.get(key)).map(Document::copy);
  }

  @Override
  public synchronized KeyPage list(String prefix, String after, int limit) {
    if (limit <= 0) {
      throw new IllegalArgumentException("limit must be positive: " + limit);
    }
    List<String> keys = new ArrayList<>();
    var tail = after == null || after.compareTo(prefix) < 0 ? docs.tailMap(prefix, true)
        : docs.tailMap(after, false);
    for (String k : tail.keySet()) {
      if (!k.startsWith(prefix)) {
        break;
      }
      if (keys.size() == limit) {
        return new KeyPage(keys, keys.get(keys.size() - 1));
      }
      keys.add(k);
    }
    return new KeyPage(keys, null);
  }

  @Override
  public synchronized long count() {
    return docs.size();
  }

  @Override
  public long sizeOnDisk() {
    return 0;
  }

  @Override
  public synchronized CausalContext context() {
    return context.copy();
  }

  @Override
  public synchronized CloseableIterator<KeyedDelta> changedSince(CausalContext remote) {
    List<KeyedDelta> out = new ArrayList<>();
    docs.forEach((k, d) -> {
      if (!d.context().isSubsetOf(remote)) {
        out.add(KeyedDelta.of(k, d.deltaSince(remote)));
      }
    });
    Iterator<KeyedDelta> it = out.iterator();
    return new CloseableIterator<>() {
      @Override
      public boolean hasNext() {
        return it.hasNext();
      }

      @Override
      public KeyedDelta next() {
        return it.next();
      }

      @Override
      public void close() {}
    };
  }

  @Override
  public void flush() {}

  @Override
  public void close() {}

  private static void requireKey(String key) {
    if (key == null || key.isEmpty()) {
      throw new IllegalArgumentException("key must be a non-empty string");
    }
  }
}
