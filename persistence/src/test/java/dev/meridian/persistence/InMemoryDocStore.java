package dev.meridian.persistence;

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
import java.util.function.Function;

/**
 * A {@link DocStore} test double in memory: what the peer's tests can use instead of disk. Every
 * write is "durable" at once; the sync query scans every document.
 */
final class InMemoryDocStore implements DocStore {
  private final Replica replica = Replica.random();
  private final TreeMap<String, Document> docs = new TreeMap<>();
  private final CausalContext context = new CausalContext();
  private CausalContext voided = new CausalContext();

  @Override
  public Replica replica() {
    return replica;
  }

  @Override
  public synchronized CompletableFuture<Document> update(String key,
      Function<Document, Document> mutation) {
    requireKey(key);
    Document doc = docs.getOrDefault(key, Document.empty()).copy().bind(replica);
    long before = replica.lastCounter();
    Document returned;
    try {
      returned = mutation.apply(doc);
      if (returned == null) {
        throw new IllegalArgumentException("the mutation returned no delta");
      }
    } catch (RuntimeException e) {
      if (replica.lastCounter() > before) { // writers are serialised: these dots are its own
        voided.addRange(replica.id(), before + 1, replica.lastCounter());
      }
      return CompletableFuture.failedFuture(e);
    }
    if (replica.lastCounter() == before) {
      return CompletableFuture.completedFuture(Document.empty());
    }
    CausalContext minted = new CausalContext();
    minted.addRange(replica.id(), before + 1, replica.lastCounter());
    Document delta = doc.deltaSince(doc.context().minus(minted));
    if (!voided.isEmpty()) { // as MapDbDocStore: void dots ride with the next write
      Document v = Document.of(OrMap.of(new DotMap<>(), voided, true));
      delta.join(v);
      doc.join(v);
      context.addAll(voided);
      voided = new CausalContext();
    }
    docs.put(key, doc);
    context.addAll(minted);
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
        out.add(new KeyedDelta(k, d.deltaSince(remote)));
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
