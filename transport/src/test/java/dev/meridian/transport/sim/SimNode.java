package dev.meridian.transport.sim;

import dev.meridian.crdt.ReplicaId;
import dev.meridian.transport.sync.Replicator;
import dev.meridian.transport.sync.SyncConfig;
import java.util.Random;

/**
 * One simulated replica: a {@link SimStore} opened from its {@link SimStore.Storage} at each
 * start, and a replicator. A crash loses what the store had not made durable (at its last {@link
 * #sync()} or whatever durable point the store has) and every stream.
 */
final class SimNode {
  private static final long WALL_EPOCH_MILLIS = 1_750_000_000_000L;

  private final SimNetwork net;
  private final int index;
  private final String address;
  private final ReplicaId id;
  private final SyncConfig config;
  private final long seed;
  private final SimStore.Storage storage;
  private boolean up;
  private int incarnation;
  private SimStore store;
  private Replicator replicator;
  long tickAt = Long.MAX_VALUE;
  long tickToken;

  SimNode(SimNetwork net, int index, ReplicaId id, SyncConfig config, long seed,
      SimStore.Storage storage) {
    this.storage = storage;
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

  SimStore store() {
    return store;
  }

  Replicator replicator() {
    return replicator;
  }

  /** Starts (or restarts from the durable image). */
  void start() {
    incarnation++;
    int inc = incarnation;
    store = storage.start(() -> WALL_EPOCH_MILLIS + net.now() / 1_000_000,
        action -> net.at(net.now(), () -> {
          if (up && incarnation == inc) {
            action.run();
          }
        }));
    replicator = new Replicator(store.replicaStore(), config,
        new Random(seed * 1_000_003L + index * 7919L + incarnation), net.now());
    Replicator r = replicator;
    store.onLocalWrite(d -> r.onLocalDelta(d, net.now()));
    up = true;
    tickAt = Long.MAX_VALUE;
  }

  /** Makes the current state durable. */
  void sync() {
    if (up) {
      store.sync();
    }
  }

  /** Loses everything since the last sync, and every stream. */
  void crash() {
    if (!up) {
      return;
    }
    up = false;
    net.crashConnections(this);
    store.crash();
    store = null;
    replicator = null;
    tickAt = Long.MAX_VALUE;
  }
}
