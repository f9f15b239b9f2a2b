package dev.meridian.transport.sim;

import dev.meridian.crdt.Replica;
import dev.meridian.crdt.ReplicaId;
import dev.meridian.crdt.clock.HybridClock;
import dev.meridian.transport.store.InMemoryReplicaStore;
import dev.meridian.transport.store.ReplicaStore;
import dev.meridian.transport.sync.Replicator;
import dev.meridian.transport.sync.SyncConfig;
import java.util.Random;
import java.util.function.Function;

/**
 * One simulated replica: an in-memory store whose durable image is the last {@link #sync()}, and a
 * replicator. A crash loses everything since that sync (writes and remote deltas alike) and every
 * stream; a restart resumes the replica's counter from its durable high-water mark, which is kept
 * at or above every dot minted (as storage must).
 */
final class SimNode {
  private static final long WALL_EPOCH_MILLIS = 1_750_000_000_000L;

  private final SimNetwork net;
  private final int index;
  private final String address;
  private final ReplicaId id;
  private final SyncConfig config;
  private final long seed;
  private final Function<InMemoryReplicaStore, ReplicaStore> storeView;
  private InMemoryReplicaStore.Snapshot durable;
  private long highWater;
  private boolean up;
  private int incarnation;
  private InMemoryReplicaStore store;
  private Replicator replicator;
  long tickAt = Long.MAX_VALUE;
  long tickToken;

  SimNode(SimNetwork net, int index, ReplicaId id, SyncConfig config, long seed,
      Function<InMemoryReplicaStore, ReplicaStore> storeView) {
    this.storeView = storeView;
    this.net = net;
    this.index = index;
    this.address = "n" + index + ":7000";
    this.id = id;
    this.config = config;
    this.seed = seed;
  }

  int index() {
    return index;
  }

  String address() {
    return address;
  }

  ReplicaId id() {
    return id;
  }

  boolean isUp() {
    return up;
  }

  int incarnation() {
    return incarnation;
  }

  InMemoryReplicaStore store() {
    return store;
  }

  Replicator replicator() {
    return replicator;
  }

  /** Starts (or restarts from the durable image). */
  void start() {
    incarnation++;
    HybridClock clock = new HybridClock(() -> WALL_EPOCH_MILLIS + net.now() / 1_000_000);
    Replica replica = Replica.resume(id, highWater, clock);
    store = durable == null
        ? InMemoryReplicaStore.create(replica)
        : InMemoryReplicaStore.restore(durable, replica);
    replicator = new Replicator(storeView.apply(store), config,
        new Random(seed * 1_000_003L + index * 7919L + incarnation), net.now());
    Replicator r = replicator;
    store.subscribe(d -> r.onLocalDelta(d, net.now()));
    up = true;
    tickAt = Long.MAX_VALUE;
  }

  /** Makes the current state durable. */
  void sync() {
    if (up) {
      durable = store.snapshot();
    }
  }

  /** Records the replica's counter as durable (storage persists it before using a dot). */
  void noteCounter() {
    highWater = Math.max(highWater, store.replica().lastCounter());
  }

  /** Loses everything since the last sync, and every stream. */
  void crash() {
    if (!up) {
      return;
    }
    up = false;
    net.crashConnections(this);
    store = null;
    replicator = null;
    tickAt = Long.MAX_VALUE;
  }
}
