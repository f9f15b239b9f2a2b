package dev.meridian.peer;

import dev.meridian.crdt.ReplicaId;
import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.doc.Document;
import dev.meridian.persistence.CloseableIterator;
import dev.meridian.persistence.DocStore;
import dev.meridian.persistence.KeyPage;
import dev.meridian.crdt.doc.KeyedDelta;
import dev.meridian.persistence.MapDbDocStore;
import dev.meridian.persistence.StoreOptions;
import dev.meridian.transport.sim.SimStore;
import dev.meridian.transport.store.ReplicaStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.stream.Stream;

/**
 * The peer's own storage under the simulation: each replica is a {@link MapDbDocStore} in a
 * directory of its own, opened {@link StoreOptions.Builder#byHand() by hand} (no threads; the
 * simulation commits, checkpoints and crashes it), and seen by its replicator through the peer's
 * {@link StoreReplica}, wired as {@code Meridian} wires it. A sync of the schedule commits the
 * journal (and takes a checkpoint one time in three); a crash is {@link MapDbDocStore#crash()}, a
 * power cut that loses what was not committed; a restart reopens the directory. Local writes are
 * recorded for the ghost model only once durable, so every recorded write must survive.
 *
 * <p>Remote deltas: {@link StoreReplica#apply} waits for durability, which a store opened by hand
 * reaches only at a commit; the store it is given commits after each remote join, as the peer's
 * committer thread would before that wait ends.
 */
final class MapDbSimStores implements SimStore.Factory, AutoCloseable {
  private final Path root;
  private final List<Dir> storages = new ArrayList<>();

  /** Stores in fresh directories under {@code root}, which {@link #close()} deletes. */
  MapDbSimStores(Path root) {
    this.root = root;
  }

  @Override
  public SimStore.Storage create(long seed, int index, ReplicaId id) {
    Dir s = new Dir(root.resolve("n" + index), id, new Random(seed * 31 + index));
    storages.add(s);
    return s;
  }

  @Override
  public String replay(long seed) {
    return "RealStoreSimulationTest.run(" + seed + "L)";
  }

  /** Local writes that a crash lost before any commit, over every replica and incarnation. */
  int lostUncommitted() {
    int n = 0;
    for (Dir s : storages) {
      n += s.lostUncommitted;
    }
    return n;
  }

  /** Crashes the stores still open and deletes every directory. */
  @Override
  public void close() throws IOException {
    for (Dir s : storages) {
      if (s.open != null) {
        s.open.store.crash();
        s.open = null;
      }
    }
    if (Files.exists(root)) {
      try (Stream<Path> all = Files.walk(root)) {
        for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
  }

  /** One replica's data directory. */
  private static final class Dir implements SimStore.Storage {
    private final Path dir;
    private final ReplicaId id;
    private final Random random;
    private Incarnation open;
    private int lostUncommitted;

    Dir(Path dir, ReplicaId id, Random random) {
      this.dir = dir;
      this.id = id;
      this.random = random;
    }

    @Override
    public SimStore start(LongSupplier wallMillis, Consumer<Runnable> later) {
      try {
        MapDbDocStore store = MapDbDocStore.open(StoreOptions.in(dir).byHand()
            .newReplicaId(id).wallClock(wallMillis).build());
        open = new Incarnation(this, store, later);
        return open;
      } catch (IOException e) {
        throw new UncheckedIOException("opening " + dir, e);
      }
    }
  }

  /** One open of a directory, until its crash. */
  private static final class Incarnation implements SimStore {
    private final Dir storage;
    private final MapDbDocStore store;
    private final StoreReplica replica;
    private final Set<CompletableFuture<?>> pending = new HashSet<>();

    Incarnation(Dir storage, MapDbDocStore store, Consumer<Runnable> later) {
      this.storage = storage;
      this.store = store;
      this.replica = new StoreReplica(new CommitEachRemote(store), (key, origin, events) -> { });
      // Meridian's wiring; the store announces on its notifier, another thread than replication's.
      store.subscribe(w -> later.accept(
          () -> replica.localWriteDurable(KeyedDelta.of(w.key(), w.delta()))));
    }

    @Override
    public ReplicaStore replicaStore() {
      return replica;
    }

    @Override
    public void onLocalWrite(Consumer<KeyedDelta> listener) {
      replica.subscribe(listener);
    }

    @Override
    public void write(String key, Function<Document, Document> mutation,
        Consumer<KeyedDelta> recorded) {
      CompletableFuture<Document> f = store.update(key, mutation);
      if (f.isDone()) {
        record(key, f, recorded); // refused, or changed nothing
        return;
      }
      pending.add(f);
      f.whenComplete((delta, error) -> {
        pending.remove(f);
        record(key, f, recorded);
      });
    }

    private static void record(String key, CompletableFuture<Document> f,
        Consumer<KeyedDelta> recorded) {
      if (f.isCompletedExceptionally()) {
        return;
      }
      Document delta = f.join();
      if (!delta.context().isEmpty()) {
        recorded.accept(KeyedDelta.of(key, delta));
      }
    }

    @Override
    public long lastCounter() {
      return store.replica().lastCounter();
    }

    /** Every recorded write is durable (recorded at its commit). */
    @Override
    public long durableCounter() {
      return Long.MAX_VALUE;
    }

    /**
     * The store context without this replica's own dots that no document holds: dots a restart
     * declared void (its unused reservation, about 2^20 of them) reach peers only riding on this
     * replica's next local write (a sync answer carries documents, and these dots are in none),
     * so a replica that never writes again after a restart keeps them to itself and its peers'
     * contexts never equal its own. The convergence check leaves them out; everything else must
     * match.
     */
    @Override
    public CausalContext context() {
      CausalContext c = store.context();
      CausalContext inDocs = new CausalContext();
      for (Document d : documents().values()) {
        inDocs.addAll(d.context());
      }
      CausalContext unshipped = new CausalContext();
      c.minus(inDocs).forEachRange((r, first, last) -> {
        if (r.equals(store.replica().id())) {
          unshipped.addRange(r, first, last);
        }
      });
      return c.minus(unshipped);
    }

    @Override
    public TreeMap<String, Document> documents() {
      TreeMap<String, Document> docs = new TreeMap<>();
      String after = null;
      do {
        KeyPage page = store.list("", after, 256);
        for (String k : page.keys()) {
          store.peek(k).ifPresent(d -> docs.put(k, d));
        }
        after = page.next();
      } while (after != null);
      return docs;
    }

    @Override
    public void sync() {
      try {
        store.commit();
        if (storage.random.nextInt(3) == 0) {
          store.checkpoint();
        }
      } catch (IOException e) {
        throw new UncheckedIOException("sync of " + storage.dir, e);
      }
    }

    @Override
    public void crash() {
      storage.lostUncommitted += pending.size();
      pending.clear();
      storage.open = null;
      try {
        store.crash();
      } catch (IOException e) {
        throw new UncheckedIOException("crash of " + storage.dir, e);
      }
    }
  }

  /** The store, committing after each remote join (see the class comment). */
  private static final class CommitEachRemote implements DocStore {
    private final MapDbDocStore store;

    CommitEachRemote(MapDbDocStore store) {
      this.store = store;
    }

    @Override
    public CompletableFuture<Void> applyRemote(String key, Document delta) {
      CompletableFuture<Void> f = store.applyRemote(key, delta);
      if (!f.isDone()) {
        try {
          store.commit();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
      return f;
    }

    @Override
    public dev.meridian.crdt.Replica replica() {
      return store.replica();
    }

    @Override
    public CompletableFuture<Document> update(String key, Function<Document, Document> mutation) {
      return store.update(key, mutation);
    }

    @Override
    public AutoCloseable subscribe(Consumer<KeyedDelta> durableLocalWrites) {
      return store.subscribe(durableLocalWrites);
    }

    @Override
    public Optional<Document> get(String key) {
      return store.get(key);
    }

    @Override
    public Optional<Document> peek(String key) {
      return store.peek(key);
    }

    @Override
    public KeyPage list(String prefix, String after, int limit) {
      return store.list(prefix, after, limit);
    }

    @Override
    public long count() {
      return store.count();
    }

    @Override
    public long sizeOnDisk() {
      return store.sizeOnDisk();
    }

    @Override
    public CausalContext context() {
      return store.context();
    }

    @Override
    public CloseableIterator<KeyedDelta> changedSince(CausalContext remote) {
      return store.changedSince(remote);
    }

    @Override
    public void flush() {
      store.flush();
    }

    @Override
    public void close() {
      store.close();
    }
  }
}
