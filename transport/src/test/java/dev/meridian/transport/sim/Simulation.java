package dev.meridian.transport.sim;

import dev.meridian.crdt.ReplicaId;
import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.doc.Document;
import dev.meridian.transport.store.InMemoryReplicaStore;
import dev.meridian.transport.store.ReplicaStore;
import dev.meridian.transport.sync.SyncConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * One seeded schedule: 3 to 7 replicas on a {@link SimNetwork} that drops, duplicates, reorders and
 * delays frames, with partitions that heal and replicas that crash (losing what they had not
 * synced) and restart; random writes to a few documents throughout. After the final heal, every
 * replica must hold equal documents, equal to the join of every write that survived, and every
 * write that was durable at its origin (or whose origin never crashed after it) must have survived.
 * The same seed gives the same run ({@link Result#trace}).
 */
public final class Simulation {
  private static final long MS = 1_000_000L;

  /** What a run did, for reports and determinism checks. */
  public record Result(long seed, int replicas, int writes, int survivors, int lost, long framesSent,
      long framesDropped, long bytesSent, long convergedAfterMillis, long trace) {}

  /** One write, as the ghost model records it. */
  private static final class Write {
    final int node;
    final String key;
    final Document delta;
    final CausalContext events;
    final long counter;
    boolean mayBeLost;

    Write(int node, String key, Document delta, CausalContext events, long counter) {
      this.node = node;
      this.key = key;
      this.delta = delta;
      this.events = events;
      this.counter = counter;
    }
  }

  private final long seed;
  private final SimStore.Factory stores;
  private final Random random;
  private final SimNetwork net;
  private final List<Write> writes = new ArrayList<>();
  private final int keys;

  /** A run on in-memory stores. */
  public Simulation(long seed) {
    this(seed, s -> s);
  }

  /** A run whose replicators see each store through {@code storeView} (to test broken stores). */
  Simulation(long seed, Function<InMemoryReplicaStore, ReplicaStore> storeView) {
    this(seed, InMemorySimStore.factory(storeView));
  }

  /** A run on the stores {@code stores} makes. */
  public Simulation(long seed, SimStore.Factory stores) {
    this.seed = seed;
    this.stores = stores;
    this.random = new Random(seed);
    this.net = new SimNetwork(new Random(seed ^ 0x5DEECE66DL));
    int n = 3 + random.nextInt(5);
    this.keys = 1 + random.nextInt(4);
    boolean learn = random.nextBoolean();
    List<List<String>> peers = topology(n);
    for (int i = 0; i < n; i++) {
      SyncConfig config = SyncConfig.builder("sim")
          .advertisedAddress("n" + i + ":7000")
          .peers(peers.get(i))
          .learnPeers(learn)
          .maxBatchDeltas(1 + random.nextInt(16))
          .maxBatchBytes(512 + random.nextInt(4096))
          .maxQueuedBytes(1024 + random.nextInt(16 << 10))
          .maxInFlightBytes(1024 + random.nextInt(16 << 10))
          .pushDelay(Duration.ofNanos(MS))
          .ackDelay(Duration.ofNanos(2 * MS))
          .syncInterval(Duration.ofMillis(100))
          .pingInterval(Duration.ofMillis(300))
          .idleTimeout(Duration.ofMillis(1000))
          .probeTimeout(Duration.ofMillis(400))
          .reconnect(Duration.ofMillis(20), Duration.ofMillis(500))
          .compressBatches(false) // frames here are lost and reordered; compression needs a stream
          .build();
      ReplicaId id = ReplicaId.of(random.nextLong());
      net.addNode(new SimNode(net, i, id, config, seed, stores.create(seed, i, id)));
    }
  }

  private List<List<String>> topology(int n) {
    List<List<String>> peers = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      peers.add(new ArrayList<>());
    }
    for (int i = 1; i < n; i++) {
      peers.get(i).add("n" + random.nextInt(i) + ":7000"); // a spanning tree: the mesh is connected
    }
    double extra = random.nextDouble() * 0.5;
    for (int i = 0; i < n; i++) {
      for (int j = i + 1; j < n; j++) {
        if (random.nextDouble() < extra && !peers.get(j).contains("n" + i + ":7000")) {
          peers.get(i).add("n" + j + ":7000");
        }
      }
    }
    return peers;
  }

  /** Runs the schedule and checks the outcome; throws AssertionError naming the seed on failure. */
  public Result run() {
    List<SimNode> nodes = net.nodes();
    int n = nodes.size();
    net.faults.drop = random.nextInt(3) == 0 ? 0 : random.nextDouble() * 0.2;
    net.faults.duplicate = random.nextDouble() * 0.1;
    net.faults.maxDelayNanos = (1 + random.nextInt(20)) * MS;
    net.faults.windowBytes = 2048 + random.nextInt(32 << 10);
    long chaos = (1500 + random.nextInt(2500)) * MS;

    for (SimNode node : nodes) {
      net.at(0, node::start);
      long period = (20 + random.nextInt(180)) * MS;
      for (long t = period; t < chaos; t += period) {
        net.at(t, () -> sync(node));
      }
    }
    int writeCount = 20 + random.nextInt(60);
    for (int w = 0; w < writeCount; w++) {
      int node = random.nextInt(n);
      long t = (long) (random.nextDouble() * chaos);
      long opSeed = random.nextLong();
      net.at(t, () -> write(nodes.get(node), new Random(opSeed)));
    }
    int crashes = random.nextInt(4);
    for (int c = 0; c < crashes; c++) {
      SimNode node = nodes.get(random.nextInt(n));
      long t = (long) (random.nextDouble() * chaos);
      long down = (20 + random.nextInt(500)) * MS;
      net.at(t, () -> crash(node));
      net.at(Math.min(t + down, chaos), () -> restart(node));
    }
    int partitions = random.nextInt(4);
    for (int p = 0; p < partitions; p++) {
      long t = (long) (random.nextDouble() * chaos);
      long length = (50 + random.nextInt(1000)) * MS;
      int[] groups = new int[n];
      for (int i = 0; i < n; i++) {
        groups[i] = random.nextInt(2);
      }
      net.at(t, () -> net.partition(groups));
      net.at(Math.min(t + length, chaos), () -> net.partition(null));
    }
    net.at(chaos, () -> {
      net.partition(null);
      for (SimNode node : nodes) {
        restart(node);
      }
    });

    net.runUntil(chaos);
    long deadline = chaos + 60_000 * MS;
    long t = chaos;
    while (!converged()) {
      if (t >= deadline) {
        throw failure("no convergence 60 s (virtual) after the final heal\n" + describe());
      }
      t += 50 * MS;
      net.runUntil(t);
    }
    return check(t - chaos);
  }

  private void sync(SimNode node) {
    if (node.isUp()) {
      node.sync();
    }
  }

  private void crash(SimNode node) {
    if (!node.isUp()) {
      return;
    }
    long durable = node.store().durableCounter();
    for (Write w : writes) {
      if (w.node == node.index() && w.counter > durable) {
        w.mayBeLost = true;
      }
    }
    node.crash();
  }

  private void restart(SimNode node) {
    if (!node.isUp()) {
      node.start();
    }
  }

  private static final String[] ELEMENTS = {"a", "b", "c", "d"};

  private void write(SimNode node, Random r) {
    if (!node.isUp()) {
      return;
    }
    String key = "doc" + r.nextInt(keys);
    SimStore store = node.store();
    store.write(key, doc -> switch (r.nextInt(10)) {
      case 0 -> doc.set("r", "v" + r.nextInt(100));
      case 1 -> doc.set("m.r", (long) r.nextInt(100));
      case 2 -> doc.increment("c", 1 + r.nextInt(5));
      case 3 -> doc.add("s", ELEMENTS[r.nextInt(4)]);
      case 4 -> doc.removeElement("s", ELEMENTS[r.nextInt(4)]);
      case 5 -> doc.enable("f");
      case 6 -> doc.disable("f");
      case 7 -> doc.remove(new String[] {"r", "m", "c", "s", "f", "p"}[r.nextInt(6)]);
      case 8 -> doc.putMap("p", Map.of("x", "w" + r.nextInt(9), "y", List.of("e" + r.nextInt(3))));
      default -> doc.increment("m.c", -1);
    }, d -> writes.add(new Write(node.index(), key, d.delta().copy(), d.events().copy(),
        store.lastCounter())));
  }

  private boolean converged() {
    List<SimNode> nodes = net.nodes();
    for (SimNode node : nodes) {
      if (!node.isUp()) {
        return false;
      }
    }
    CausalContext c0 = nodes.get(0).store().context();
    TreeMap<String, Document> d0 = nodes.get(0).store().documents();
    for (int i = 1; i < nodes.size(); i++) {
      if (!nodes.get(i).store().context().equals(c0)
          || !nodes.get(i).store().documents().equals(d0)) {
        return false;
      }
    }
    return true;
  }

  private Result check(long convergedAfter) {
    SimNode first = net.nodes().get(0);
    CausalContext held = first.store().context();
    Map<String, Document> expected = new TreeMap<>();
    int survivors = 0;
    int lost = 0;
    for (Write w : writes) {
      if (w.events.isSubsetOf(held)) {
        survivors++;
        expected.computeIfAbsent(w.key, k -> Document.empty()).join(w.delta);
      } else if (w.mayBeLost) {
        lost++;
      } else {
        throw failure("a write that was durable at its origin was lost: replica " + w.node
            + " key " + w.key + " events " + w.events + "\n" + describe());
      }
    }
    Map<String, Document> actual = new LinkedHashMap<>(first.store().documents());
    if (!actual.equals(expected)) {
      throw failure("replicas agree but differ from the join of the surviving writes\nexpected "
          + expected + "\nactual   " + actual);
    }
    return new Result(seed, net.nodes().size(), writes.size(), survivors, lost, net.framesSent,
        net.framesDropped, net.bytesSent, convergedAfter / MS, net.trace);
  }

  private String describe() {
    StringBuilder sb = new StringBuilder();
    TreeMap<String, Document> d0 = null;
    for (SimNode node : net.nodes()) {
      sb.append("  n").append(node.index()).append(' ').append(node.id());
      if (!node.isUp()) {
        sb.append(" down\n");
        continue;
      }
      sb.append(" context ").append(node.store().context()).append('\n');
      TreeMap<String, Document> docs = node.store().documents();
      if (d0 == null) {
        d0 = docs;
        docs.forEach((k, d) -> sb.append("    ").append(k).append(' ').append(d.map()).append('\n'));
      } else {
        for (String k : docs.keySet()) {
          if (!docs.get(k).equals(d0.get(k))) {
            sb.append("    differs at ").append(k).append(' ').append(docs.get(k).map()).append('\n');
          }
        }
        if (!docs.keySet().equals(d0.keySet())) {
          sb.append("    keys ").append(docs.keySet()).append('\n');
        }
      }
      for (var p : node.replicator().peers()) {
        sb.append("    peer ").append(p.peer()).append(' ').append(p.state()).append(" lag ")
            .append(p.lagDots()).append('\n');
      }
    }
    return sb.toString();
  }

  private AssertionError failure(String message) {
    return new AssertionError("schedule seed " + seed + " (replay: " + stores.replay(seed) + "): "
        + message);
  }
}
