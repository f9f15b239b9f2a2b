package dev.meridian.peer.testkit;

import dev.meridian.crdt.ReplicaId;
import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.doc.Document;
import dev.meridian.peer.Meridian;
import dev.meridian.persistence.Durability;
import dev.meridian.transport.sim.SimNetwork;
import dev.meridian.transport.sim.SimNode;
import dev.meridian.transport.sync.SyncConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.NavigableMap;
import java.util.stream.Stream;

/**
 * A seeded, deterministic cluster of embedded peers in one JVM: {@code n} sites, each a real
 * {@link Meridian} (the same {@code get}, {@code update}, {@code delete}, {@code list} code as
 * in production) on the real store in a data directory of its own, replicating with the real
 * engine over a simulated network in virtual time. Faults come on demand ({@link #partition},
 * {@link #heal}, {@link #network}, {@link #crash}, {@link #restart}, {@link #skew}) or from a
 * {@link Schedule}.
 *
 * <pre>{@code
 * try (Cluster cluster = Cluster.builder().sites(3).seed(42).build()) {
 *   cluster.partition(0, 0, 1);                     // s0 and s1 | s2
 *   cluster.site(0).update("cart", d -> d.increment("apples", 2));
 *   cluster.site(2).update("cart", d -> d.increment("apples", 1));
 *   cluster.advance(100);
 *   cluster.awaitConvergence();                     // heals, restarts, waits for equal sites
 *   cluster.site(1).get("cart");                    // {"apples":3}
 * }
 * }</pre>
 *
 * <p>Everything runs on the calling thread, one event at a time; time moves only in {@link
 * #advance}. Local writes: with {@link Durability#DURABLE} (the default) each is fsynced before
 * {@code update} returns, so its future is already complete (a user's {@code join()} returns); with
 * {@link Durability#ASYNC} the site's committer runs every {@link #COMMIT_MILLIS} ms, and a crash
 * loses the writes since its last run. Fsyncs are real calls: on a memory file system ({@code
 * /dev/shm}, the default data root where it exists) they cost next to nothing. Watchers run on the
 * peer's own watch threads, outside the schedule: what they see is not part of a seeded run.
 * Not thread-safe.
 */
public final class Cluster implements AutoCloseable {
  /*
   * Design notes.
   * [1] The network, the nodes and the event loop are transport's simulation (SimNetwork, SimNode):
   *     the same that tests the engine against in-memory stores. Each node's storage is a Site; its
   *     incarnation is a Meridian made through TestkitAccess, whose StoreReplica the node's
   *     Replicator drives.
   * [2] Randomness: the network's from the seed; the replica ids drawn by the seed from a fixed
   *     pool; the engine's per node and incarnation from the seed. Nothing reads the real clock,
   *     so a seed replays.
   * [3] A site starts from a copy of an empty store of its id made once per JVM (Templates):
   *     creating MapDB files costs more than a short schedule's writes.
   */
  /**
   * Virtual time between two steps of a schedule by default, in milliseconds: longer than a
   * frame's delay on the calm network (up to 5 ms), so two operations are concurrent only when a
   * fault (a partition, a slow or lossy network, a crash) keeps them apart.
   */
  public static final long STEP_MILLIS = 10;
  /** How often a site's committer runs with {@link Durability#ASYNC}, in virtual milliseconds. */
  public static final long COMMIT_MILLIS = 5;
  /** How long {@link #awaitConvergence} waits, in virtual milliseconds, before it fails. */
  public static final long CONVERGENCE_LIMIT_MILLIS = 60_000;
  private static final long MS = 1_000_000L;

  private final long seed;
  private final Path root;
  private final SimNetwork net;
  private final List<SimNode> nodes = new ArrayList<>();
  private final List<Site> sites = new ArrayList<>();

  private Cluster(Builder b) throws IOException {
    this.seed = b.seed;
    this.root = Templates.clusterDir(b.dataRoot);
    this.net = new SimNetwork(new Random(seed ^ 0x5DEECE66DL));
    List<ReplicaId> ids = Templates.draw(new Random(seed), b.sites);
    long syncMillis = b.durability == Durability.ASYNC ? COMMIT_MILLIS : 50;
    for (int i = 0; i < b.sites; i++) {
      SyncConfig config = SiteConfig.of(i);
      ReplicaId id = ids.get(i);
      Path dir = root.resolve("s" + i);
      Templates.copy(b.dataRoot, id, dir);
      Site site = new Site(dir, "s" + i, id, b.durability);
      SimNode node = new SimNode(net, i, id, config, seed, site);
      sites.add(site);
      nodes.add(node);
      net.addNode(node);
      node.start();
      committer(node, syncMillis);
    }
  }

  /** The site's committer (and checkpointer): runs every {@code millis} while the cluster does. */
  private void committer(SimNode node, long millis) {
    net.at(net.now() + millis * MS, () -> {
      node.sync();
      committer(node, millis);
    });
  }

  /** A builder: 3 sites, seed 0, durable writes, data under {@code /dev/shm} if it exists. */
  public static Builder builder() {
    return new Builder();
  }

  // ---- sites ------------------------------------------------------------------------------------

  /** The number of sites. */
  public int size() {
    return nodes.size();
  }

  /** The seed the cluster was built with. */
  public long seed() {
    return seed;
  }

  /** Whether {@code site} is up. */
  public boolean isUp(int site) {
    return node(site).isUp();
  }

  /**
   * The peer of {@code site}: the real {@link Meridian} of its current incarnation (a crash closes
   * it; after a restart this returns a new one). Call it on this cluster's thread.
   *
   * @throws IllegalStateException if the site is down
   */
  public Meridian site(int site) {
    Site.Incarnation open = sites.get(checkSite(site)).open();
    if (open == null) {
      throw new IllegalStateException("site s" + site + " is down");
    }
    return open.peer;
  }

  /** The name of {@code site}: {@code s0}, {@code s1}, ... */
  public String name(int site) {
    return sites.get(checkSite(site)).name();
  }

  /**
   * Runs {@code action} on {@code site}'s peer and returns the events (dots) of the local writes it
   * made, so that later one can ask whether they survived ({@link #holds}).
   */
  public CausalContext recording(int site, java.util.function.Consumer<Meridian> action) {
    Site.Incarnation open = sites.get(checkSite(site)).open();
    if (open == null) {
      throw new IllegalStateException("site s" + site + " is down");
    }
    CausalContext events = new CausalContext();
    open.docs.recordInto(events);
    try {
      action.accept(open.peer);
    } finally {
      open.docs.recordInto(null);
    }
    return events;
  }

  /** Whether {@code site} has a local write not yet fsynced (only with {@link Durability#ASYNC}). */
  public boolean hasPendingWrites(int site) {
    return incarnation(site).docs.pending();
  }

  /** Whether {@code site} (up) holds every event in {@code events}. */
  public boolean holds(int site, CausalContext events) {
    return events.isSubsetOf(incarnation(site).docs.context());
  }

  /** Every non-empty document {@code site} holds, by key. */
  public NavigableMap<String, Document> documents(int site) {
    NavigableMap<String, Document> docs = incarnation(site).documents();
    docs.values().removeIf(d -> !d.hasValues());
    return docs;
  }

  // ---- time and faults --------------------------------------------------------------------------

  /** The virtual time since the cluster started, in milliseconds. */
  public long nowMillis() {
    return net.now() / MS;
  }

  /** Lets {@code millis} of virtual time pass: replication, commits and timers run. */
  public void advance(long millis) {
    if (millis < 0) {
      throw new IllegalArgumentException("time cannot go back: " + millis);
    }
    net.runUntil(net.now() + millis * MS);
  }

  /**
   * Splits the network: {@code groups[i]} is site i's side; sites on one side reach each other
   * only. Streams across sides stall and time out, as over a real cut link.
   */
  public void partition(int... groups) {
    if (groups.length != size()) {
      throw new IllegalArgumentException("give a group to each of " + size() + " sites");
    }
    net.partition(groups);
  }

  /** Heals every partition. */
  public void heal() {
    net.partition(null);
  }

  /** From now on frames are lost, duplicated and delayed as {@code faults} says. */
  public void network(Step.Network<?> faults) {
    net.faults.drop = faults.drop();
    net.faults.duplicate = faults.duplicate();
    net.faults.minDelayNanos = faults.minDelayMillis() * MS;
    net.faults.maxDelayNanos = faults.maxDelayMillis() * MS;
  }

  /** The default network: nothing lost or duplicated, 0.2 to 5 ms per frame. */
  public static Step.Network<Object> calmNetwork() {
    return new Step.Network<>(0, 0, 0, 5);
  }

  /** Cuts {@code site}'s power: it loses what it had not fsynced and every stream. */
  public void crash(int site) {
    node(site).crash();
  }

  /** Starts {@code site} again on what its disk kept, if it is down. */
  public void restart(int site) {
    SimNode n = node(site);
    if (!n.isUp()) {
      n.start();
    }
  }

  /** Sets {@code site}'s wall clock {@code millis} ahead of virtual time (negative: behind). */
  public void skew(int site, long millis) {
    node(site).skewMillis(millis);
  }

  /**
   * Applies one fault step; an {@link Step.Op} is the caller's to run ({@link ClusterCheck} does).
   *
   * @return what happened, for the trace ("" if the step did what it says)
   */
  public String apply(Step<?> step) {
    Objects.requireNonNull(step, "step");
    if (step instanceof Step.Partition<?> p) {
      partition(p.groups().stream().mapToInt(Integer::intValue).toArray());
    } else if (step instanceof Step.Heal<?>) {
      heal();
    } else if (step instanceof Step.Crash<?> c) {
      if (!isUp(c.site())) {
        return "already down";
      }
      crash(c.site());
    } else if (step instanceof Step.Restart<?> r) {
      if (isUp(r.site())) {
        return "already up";
      }
      restart(r.site());
    } else if (step instanceof Step.Network<?> n) {
      network(n);
    } else if (step instanceof Step.Skew<?> s) {
      skew(s.site(), s.millis());
    } else if (step instanceof Step.Wait<?> w) {
      advance(w.millis());
    } else {
      throw new IllegalArgumentException("an operation is run by its caller: " + step);
    }
    return "";
  }

  // ---- convergence ------------------------------------------------------------------------------

  /** Whether every site is up and all hold the same events and the same documents. */
  public boolean converged() {
    for (SimNode n : nodes) {
      if (!n.isUp()) {
        return false;
      }
    }
    Site.Incarnation first = incarnation(0);
    CausalContext c0 = first.context();
    NavigableMap<String, Document> d0 = first.documents();
    for (int i = 1; i < size(); i++) {
      Site.Incarnation other = incarnation(i);
      if (!other.context().equals(c0) || !other.documents().equals(d0)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Ends every fault (heals, calms the network, restarts every site; clock skews stay) and lets
   * time pass until every site holds the same documents.
   *
   * @return the virtual milliseconds it took
   * @throws AssertionError if the sites still differ after {@link #CONVERGENCE_LIMIT_MILLIS}
   */
  public long awaitConvergence() {
    heal();
    network(calmNetwork());
    for (int i = 0; i < size(); i++) {
      restart(i);
    }
    long start = net.now();
    long deadline = start + CONVERGENCE_LIMIT_MILLIS * MS;
    while (!converged()) {
      if (net.now() >= deadline) {
        throw new AssertionError("the sites did not converge within " + CONVERGENCE_LIMIT_MILLIS
            + " ms (virtual) after the faults ended\n" + describe());
      }
      net.runUntil(net.now() + 10 * MS);
    }
    return (net.now() - start) / MS;
  }

  /**
   * A hash of the run so far (every frame sent and delivered, in order); two runs of one schedule
   * have equal traces.
   */
  public long trace() {
    return net.trace();
  }

  /** Frames sent so far over the simulated network. */
  public long framesSent() {
    return net.framesSent();
  }

  /** Each site's state, for failure messages: down, or its documents as JSON. */
  public String describe() {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < size(); i++) {
      sb.append("  s").append(i);
      if (!isUp(i)) {
        sb.append(" down\n");
        continue;
      }
      NavigableMap<String, Document> docs = documents(i);
      sb.append(docs.isEmpty() ? " no documents\n" : "\n");
      docs.forEach((k, d) -> sb.append("    ").append(k).append(' ').append(d.toJson())
          .append('\n'));
    }
    return sb.toString();
  }

  /** Stops every site (as a power cut: nothing more is written) and deletes the data directories. */
  @Override
  public void close() {
    for (SimNode n : nodes) {
      n.crash();
    }
    try (Stream<Path> all = Files.walk(root)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("removing " + root, e);
    }
  }

  private SimNode node(int site) {
    return nodes.get(checkSite(site));
  }

  private Site.Incarnation incarnation(int site) {
    Site.Incarnation open = sites.get(checkSite(site)).open();
    if (open == null) {
      throw new IllegalStateException("site s" + site + " is down");
    }
    return open;
  }

  private int checkSite(int site) {
    if (site < 0 || site >= nodes.size()) {
      throw new IndexOutOfBoundsException("no site s" + site + " in a cluster of " + size());
    }
    return site;
  }

  /** How to build a {@link Cluster}. */
  public static final class Builder {
    private int sites = 3;
    private long seed;
    private Durability durability = Durability.DURABLE;
    private Path dataRoot = defaultDataRoot();

    private Builder() {}

    /** The number of sites, 1 to 16 (default 3). */
    public Builder sites(int n) {
      if (n < 1 || n > 16) {
        throw new IllegalArgumentException("a cluster has 1 to 16 sites: " + n);
      }
      this.sites = n;
      return this;
    }

    /** The seed of the network's randomness and the sites' replica ids (default 0). */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /** When a site's local write is durable (see the class comment); default durable. */
    public Builder durability(Durability d) {
      this.durability = Objects.requireNonNull(d, "durability");
      return this;
    }

    /**
     * Where the sites' data directories go (a fresh directory under it, deleted on close, and at
     * the JVM's exit if a run was abandoned);
     * default {@code /dev/shm}, a memory file system, if it is a writable directory, else {@code
     * java.io.tmpdir}.
     */
    public Builder dataRoot(Path dir) {
      this.dataRoot = Objects.requireNonNull(dir, "dir");
      return this;
    }

    /** Builds and starts the cluster: every site up, connecting. */
    public Cluster build() {
      try {
        return new Cluster(this);
      } catch (IOException e) {
        throw new UncheckedIOException("creating the cluster's directories under " + dataRoot, e);
      }
    }

    private static Path defaultDataRoot() {
      Path shm = Path.of("/dev/shm");
      return Files.isDirectory(shm) && Files.isWritable(shm)
          ? shm : Path.of(System.getProperty("java.io.tmpdir"));
    }
  }
}
