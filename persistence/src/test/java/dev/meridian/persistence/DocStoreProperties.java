package dev.meridian.persistence;

import dev.meridian.crdt.doc.KeyedDelta;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.meridian.crdt.Replica;
import dev.meridian.crdt.ReplicaId;
import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.clock.HybridClock;
import dev.meridian.crdt.doc.Document;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterTry;
import net.jqwik.api.state.Action;
import net.jqwik.api.state.ActionChain;
import net.jqwik.api.state.Transformer;

/**
 * The store against an in-memory model through random operations: local updates (some of which
 * fail on a type clash), remote deltas, reads, listing, counting, the sync query, checkpoints,
 * close and reopen, and stops that skip the final checkpoint (as a crash after the last fsync).
 *
 * <p>The model keeps, per key, the join of every delta the store acknowledged for it. Chains are
 * {@code meridian.tries / 10} steps long (100 by default, 2,000 with -Pthorough).
 */
class DocStoreProperties {
  private static final List<Model> OPENED = new ArrayList<>();
  private static final String[] KEYS = {"a/1", "a/2", "a/3", "b/1", "b/2", "c"};

  /** The system under test and its model. */
  static final class Model {
    final Path dir;
    MapDbDocStore store;
    final Map<String, Document> docs = new TreeMap<>();
    final Replica remote = Replica.resume(ReplicaId.of(0xabcdefL), 0, new HybridClock());
    final Map<String, Document> remoteDocs = new HashMap<>();
    final List<CausalContext> seen = new ArrayList<>();
    final Map<Integer, Map<String, Document>> seenDocs = new HashMap<>();
    int reopens;

    Model() {
      try {
        dir = Files.createTempDirectory("meridian-props");
        store = open(dir);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      synchronized (OPENED) {
        OPENED.add(this);
      }
    }

    static MapDbDocStore open(Path dir) throws IOException {
      return MapDbDocStore.open(StoreOptions.in(dir).checkpointInterval(Duration.ofHours(1))
          .checkpointBytes(1L << 40).cacheBytes(4096).build());
    }

    void checkAgainstModel() {
      assertEquals(docs.size(), store.count(), "count");
      CausalContext union = new CausalContext();
      docs.values().forEach(d -> union.addAll(d.context()));
      CausalContext held = store.context();
      assertTrue(union.isSubsetOf(held), "store context " + held + " lacks events of " + union);
      // Beyond the documents' events it holds only void dots of its own replica (a restart's
      // unused reservation, failed writes), and those close every gap: one range per replica.
      for (var r : held.minus(union).replicas()) {
        assertEquals(store.replica().id(), r, "void dots of another replica in " + held);
      }
      int[] ranges = {0};
      held.forEachRange((r, lo, hi) -> {
        if (r.equals(store.replica().id())) {
          ranges[0]++;
        }
      });
      assertTrue(ranges[0] <= 1, "the store context has gaps in its own replica: " + held);
    }

    @Override
    public String toString() {
      return "Model" + docs.keySet();
    }
  }

  @AfterTry
  void cleanUp() throws IOException {
    synchronized (OPENED) {
      for (Model m : OPENED) {
        m.store.close();
        MapDbDocStoreTest.deleteRecursively(m.dir);
      }
      OPENED.clear();
    }
  }

  @Property(tries = 30)
  void storeBehavesLikeTheModel(@ForAll("chains") ActionChain<Model> chain) {
    chain.withInvariant("count and context", Model::checkAgainstModel).run();
  }

  @Provide
  Arbitrary<ActionChain<Model>> chains() {
    int steps = Math.max(20, Integer.getInteger("meridian.tries", 1000) / 10);
    return ActionChain.startWith(Model::new)
        .withAction(6, new LocalUpdate())
        .withAction(3, new RemoteDelta())
        .withAction(3, new Read())
        .withAction(1, new ListKeys())
        .withAction(2, new SyncQuery())
        .withAction(1, new Checkpoint())
        .withAction(1, new Reopen())
        .withMaxTransformations(steps);
  }

  // ---- operations on a document -----------------------------------------------------------------

  /** A mutation and its description. */
  record Op(String text, Function<Document, Document> apply) {
    @Override
    public String toString() {
      return text;
    }
  }

  static Arbitrary<Op> ops() {
    Arbitrary<Long> small = Arbitraries.longs().between(-3, 3);
    Arbitrary<Integer> elem = Arbitraries.integers().between(0, 3);
    return Arbitraries.oneOf(
        Combinators.combine(Arbitraries.of("x", "y", "m.x", "c"), small)
            .as((p, v) -> new Op("set " + p + "=" + v, d -> d.set(p, v))),
        Combinators.combine(Arbitraries.of("c", "m.n"), small)
            .as((p, v) -> new Op("increment " + p + " " + v, d -> d.increment(p, v))),
        elem.map(e -> new Op("add s " + e, d -> d.add("s", (long) e))),
        elem.map(e -> new Op("removeElement s " + e, d -> d.removeElement("s", (long) e))),
        Arbitraries.of("f").map(p -> new Op("enable " + p, d -> d.enable(p))),
        Arbitraries.of("f").map(p -> new Op("disable " + p, d -> d.disable(p))),
        Arbitraries.of("x", "m", "s", "c").map(p -> new Op("remove " + p, d -> d.remove(p))));
  }

  static Arbitrary<String> keys() {
    return Arbitraries.of(KEYS);
  }

  // ---- actions ------------------------------------------------------------------------------------

  static final class LocalUpdate implements Action.Independent<Model> {
    @Override
    public Arbitrary<Transformer<Model>> transformer() {
      return Combinators.combine(keys(), ops()).as((key, op) -> Transformer.mutate(
          "update " + key + ": " + op, m -> {
            Document delta;
            try {
              delta = m.store.update(key, op.apply()).join();
            } catch (CompletionException e) {
              // A type clash: nothing was written.
              assertTrue(e.getCause() instanceof IllegalArgumentException, e.toString());
              return;
            }
            if (!delta.context().isEmpty()) {
              m.docs.computeIfAbsent(key, k -> Document.empty()).join(delta);
            }
          }));
    }
  }

  static final class RemoteDelta implements Action.Independent<Model> {
    @Override
    public Arbitrary<Transformer<Model>> transformer() {
      return Combinators.combine(keys(), ops()).as((key, op) -> Transformer.mutate(
          "remote " + key + ": " + op, m -> {
            Document remoteDoc = m.remoteDocs.computeIfAbsent(key, k -> Document.create(m.remote));
            Document delta;
            try {
              delta = op.apply().apply(remoteDoc);
            } catch (IllegalArgumentException e) {
              return;
            }
            m.store.applyRemote(key, delta).join();
            m.docs.computeIfAbsent(key, k -> Document.empty()).join(delta);
          }));
    }
  }

  static final class Read implements Action.Independent<Model> {
    @Override
    public Arbitrary<Transformer<Model>> transformer() {
      return keys().map(key -> Transformer.mutate("get " + key, m -> {
        Document expected = m.docs.get(key);
        if (expected == null) {
          assertFalse(m.store.get(key).isPresent(), key);
        } else {
          Document got = m.store.get(key).orElseThrow();
          assertEquals(expected, got, key);
          assertEquals(expected.toJson(), got.toJson(), key);
        }
      }));
    }
  }

  static final class ListKeys implements Action.Independent<Model> {
    @Override
    public Arbitrary<Transformer<Model>> transformer() {
      return Combinators.combine(Arbitraries.of("", "a/", "b", "c", "z"),
          Arbitraries.integers().between(1, 4)).as((prefix, limit) -> Transformer.mutate(
              "list '" + prefix + "' by " + limit, m -> {
                List<String> got = new ArrayList<>();
                String after = null;
                do {
                  KeyPage page = m.store.list(prefix, after, limit);
                  assertTrue(page.keys().size() <= limit);
                  got.addAll(page.keys());
                  after = page.next();
                } while (after != null);
                List<String> expected = m.docs.keySet().stream().filter(k -> k.startsWith(prefix))
                    .toList();
                assertEquals(expected, got);
              }));
    }
  }

  /**
   * Remembers the store context now (a remote that synced here), or answers the sync query for a
   * context remembered earlier and checks it against the model.
   */
  static final class SyncQuery implements Action.Independent<Model> {
    @Override
    public Arbitrary<Transformer<Model>> transformer() {
      return Arbitraries.integers().between(0, 5).map(i -> Transformer.mutate("sync " + i, m -> {
        if (i >= m.seen.size()) {
          m.seen.add(m.store.context());
          Map<String, Document> copy = new HashMap<>();
          m.docs.forEach((k, d) -> copy.put(k, d.copy()));
          m.seenDocs.put(m.seen.size() - 1, copy);
          return;
        }
        CausalContext c = m.seen.get(i);
        Set<String> expected = new HashSet<>();
        m.docs.forEach((k, d) -> {
          if (!d.context().isSubsetOf(c)) {
            expected.add(k);
          }
        });
        Set<String> got = new HashSet<>();
        try (CloseableIterator<KeyedDelta> it = m.store.changedSince(c)) {
          while (it.hasNext()) {
            KeyedDelta kd = it.next();
            assertTrue(got.add(kd.key()), "twice: " + kd.key());
            Document old = m.seenDocs.get(i).getOrDefault(kd.key(), Document.empty()).copy();
            old.join(kd.delta());
            assertEquals(m.docs.get(kd.key()).toJson(), old.toJson(), kd.key());
          }
        }
        assertEquals(expected, got);
      }));
    }
  }

  static final class Checkpoint implements Action.Independent<Model> {
    @Override
    public Arbitrary<Transformer<Model>> transformer() {
      return Arbitraries.just(Transformer.mutate("checkpoint", m -> {
        try {
          m.store.checkpointForTests();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }));
    }
  }

  static final class Reopen implements Action.Independent<Model> {
    @Override
    public Arbitrary<Transformer<Model>> transformer() {
      return Arbitraries.of(true, false).map(clean -> Transformer.mutate(
          clean ? "close and reopen" : "stop without checkpoint and reopen", m -> {
            try {
              if (clean) {
                m.store.close();
              } else {
                m.store.crash();
              }
              m.store = Model.open(m.dir);
              assertEquals(0, m.store.recoveryReport().repairs());
              m.reopens++;
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          }));
    }
  }
}
