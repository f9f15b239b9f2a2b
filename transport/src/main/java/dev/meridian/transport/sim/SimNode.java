package dev.meridian.transport.sim;

import dev.meridian.crdt.ReplicaId;
import dev.meridian.transport.sync.Replicator;
import dev.meridian.transport.sync.SyncConfig;
import java.util.Random;

/**
 * One simulated replica: a {@link SimStore} opened from its {@link SimStore.Storage} at each
 * start, and a replicator. A crash loses what the store had not made durable (at its last {@link
 * #sync()} or whatever durable point the store has) and every stream. Its wall clock is the
 * virtual time plus a skew that can change during a run.
 *
 * <p>Internal: a building block of the replication tests and of the peer testkit.
 */
public final class SimNode {
  private static final long WALL_EPOCH_MILLIS = 1_750_000_000_000L;

  private final SimNetwork net;
  private final int index;
  private final String address;
  private final ReplicaId id;
  private final SyncConfig config;
  private final long seed;
  private final SimStore.Storage storage;
  private long skewMillis;
  private boolean up;
  private int incarnation;
  private SimStore store;
  private Replicator replicator;
  long tickAt = Long.MAX_VALUE;
  long tickToken;

  /** Node {@code index} of {@code net}, address {@code n<index>:7000}, stored in {@code storage}. */
  public SimNode(SimNetwork net, int index, ReplicaId id, SyncConfig config, long seed,
      SimStore.Storage storage) {
    this.storage = storage;
    this.net = net;
    this.index = index;
    this.address = "n" + index + ":7000";
    this.id = id;
    this.config = config;
    this.seed = seed;
  }

  /** The node's index in its network. */
  public int index() {
    return index;
  }

  /** The address peers dial. */
  public String address() {
    return address;
  }

  /** The replica id it was created with. */
  public ReplicaId id() {
    return id;
  }

  /** Whether it runs (started and not crashed). */
  public boolean isUp() {
    return up;
  }

  /** How many times it started. */
  public int incarnation() {
    return incarnation;
  }

  /** The current incarnation's store (null while down). */
  public SimStore store() {
    return store;
  }

  /** The current incarnation's replicator (null while down). */
  public Replicator replicator() {
    return replicator;
  }

  /** The wall-clock skew in milliseconds (default 0): its clock reads virtual time plus this. */
  public long skewMillis() {
    return skewMillis;
  }

  /** Sets the wall-clock skew; the hybrid clock never runs backwards, whatever is set. */
  public void skewMillis(long millis) {
    this.skewMillis = millis;
  }

  /** Starts (or restarts from the durable image). */
  public void start() {
    incarnation++;
    int inc = incarnation;
    store = storage.start(() -> WALL_EPOCH_MILLIS + net.now() / 1_000_000 + skewMillis,
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
  public void sync() {
    if (up) {
      store.sync();
    }
  }

  /** Loses everything since the last sync, and every stream. */
  public void crash() {
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
