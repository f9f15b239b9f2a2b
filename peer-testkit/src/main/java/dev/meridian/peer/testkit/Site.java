package dev.meridian.peer.testkit;

import dev.meridian.crdt.ReplicaId;
import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.doc.Document;
import dev.meridian.peer.Meridian;
import dev.meridian.peer.TestkitAccess;
import dev.meridian.persistence.Durability;
import dev.meridian.persistence.KeyPage;
import dev.meridian.persistence.MapDbDocStore;
import dev.meridian.persistence.StoreOptions;
import dev.meridian.transport.sim.SimStore;
import dev.meridian.crdt.doc.KeyedDelta;
import dev.meridian.transport.store.ReplicaStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * One site of a {@link Cluster}: its data directory, kept across crashes, and the peer of its
 * current incarnation, a real {@link Meridian} on a {@link MapDbDocStore} opened by hand.
 */
final class Site implements SimStore.Storage {
  private final Path dir;
  private final String name;
  private final ReplicaId id;
  private final Durability durability;
  private int commits;
  private Incarnation open;

  Site(Path dir, String name, ReplicaId id, Durability durability) {
    this.dir = dir;
    this.name = name;
    this.id = id;
    this.durability = durability;
  }

  String name() {
    return name;
  }

  /** The current incarnation, or null while down. */
  Incarnation open() {
    return open;
  }

  @Override
  public SimStore start(LongSupplier wallMillis, Consumer<Runnable> later) {
    MapDbDocStore store;
    try {
      store = MapDbDocStore.open(StoreOptions.in(dir).byHand().durability(durability)
          .newReplicaId(id).wallClock(wallMillis).build());
    } catch (IOException e) {
      throw new UncheckedIOException("opening site " + name + " in " + dir, e);
    }
    SiteStore docs = new SiteStore(store, durability == Durability.DURABLE, later);
    open = new Incarnation(docs, TestkitAccess.embed(docs, name));
    return open;
  }

  /** Closes the open incarnation cleanly (at the end of a run). */
  void close() {
    if (open != null) {
      open.peer.close();
      open = null;
    }
  }

  /** One run of the site, from a start to its crash. */
  final class Incarnation implements SimStore {
    final SiteStore docs;
    final Meridian peer;
    private final ReplicaStore replication;

    Incarnation(SiteStore docs, Meridian peer) {
      this.docs = docs;
      this.peer = peer;
      this.replication = TestkitAccess.replication(peer);
    }

    @Override
    public ReplicaStore replicaStore() {
      return replication;
    }

    @Override
    public void onLocalWrite(Consumer<KeyedDelta> listener) {
      replication.subscribe(listener);
    }

    @Override
    @SuppressWarnings("FutureReturnValueIgnored") // the simulation sees the write through onLocalWrite
    public void write(String key, Function<Document, Document> mutation,
        Consumer<KeyedDelta> recorded) {
      peer.update(key, mutation).thenAccept(v -> { });
    }

    @Override
    public long lastCounter() {
      return docs.replica().lastCounter();
    }

    /** Not tracked here: the cluster counts an operation's events itself. */
    @Override
    public long durableCounter() {
      return Long.MAX_VALUE;
    }

    /**
     * The store context without this site's own dots that no document holds: dots a restart
     * declared void reach peers only riding on the site's next local write, so a site that never
     * writes again keeps them to itself (as the peer's simulation test explains). Convergence
     * leaves them out; everything else must match.
     */
    @Override
    public CausalContext context() {
      CausalContext c = docs.context();
      CausalContext inDocs = new CausalContext();
      for (Document d : documents().values()) {
        inDocs.addAll(d.context());
      }
      CausalContext unshipped = new CausalContext();
      ReplicaId self = docs.replica().id();
      c.minus(inDocs).forEachRange((r, first, last) -> {
        if (r.equals(self)) {
          unshipped.addRange(r, first, last);
        }
      });
      return c.minus(unshipped);
    }

    @Override
    @SuppressWarnings("NonApiType") // SimStore#documents, which transport declares, returns a TreeMap
    public TreeMap<String, Document> documents() {
      TreeMap<String, Document> out = new TreeMap<>();
      String after = null;
      do {
        KeyPage page = docs.list("", after, 256);
        for (String k : page.keys()) {
          docs.peek(k).ifPresent(d -> out.put(k, d));
        }
        after = page.next();
      } while (after != null);
      return out;
    }

    /** The committer's and the checkpointer's turn (a checkpoint one commit in sixteen). */
    @Override
    public void sync() {
      docs.commit();
      if (++commits % 16 == 0) {
        try {
          docs.store().checkpoint();
        } catch (IOException e) {
          throw new UncheckedIOException("checkpoint of site " + name, e);
        }
      }
    }

    @Override
    public void crash() {
      open = null;
      try {
        docs.crash();
      } catch (IOException e) {
        throw new UncheckedIOException("crash of site " + name, e);
      }
      peer.close(); // its store is gone: this ends its watches and threads, and writes nothing
    }
  }
}
