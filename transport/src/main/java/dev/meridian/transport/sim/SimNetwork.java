package dev.meridian.transport.sim;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.meridian.transport.proto.SyncFrame;
import dev.meridian.transport.sync.Refusal;
import dev.meridian.transport.sync.Replicator;
import dev.meridian.transport.sync.SyncSession;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Random;

/**
 * A deterministic, single-threaded network of simulated replicas in virtual time: an event queue,
 * connections that carry serialized frames with random delay (hence reordering), loss and
 * duplication, partitions, and a per-connection window that plays the role of gRPC's isReady. It
 * drives real {@link Replicator}s exactly as the gRPC driver does: frames in, polls while ready,
 * ticks at deadlines, dials when due.
 *
 * <p>Internal: a building block of the replication tests and of the peer testkit, not an API for
 * applications (its shape follows theirs). Not thread-safe: one thread runs every event.
 */
public final class SimNetwork {
  /** Fault settings; changeable during a run, read when a frame is sent. */
  public static final class Faults {
    /** Chance that a frame (other than a Hello) is lost. */
    public double drop;
    /** Chance that a frame that is not lost arrives twice. */
    public double duplicate;
    /** Shortest delivery delay of a frame, in virtual nanoseconds. */
    public long minDelayNanos = 200_000;
    /** Longest delivery delay of a frame (delays are uniform in between, hence reordering). */
    public long maxDelayNanos = 5_000_000;
    /** Bytes in flight per stream direction before the sender is not ready (gRPC's isReady). */
    public int windowBytes = 16 << 10;
  }

  /** Something that happens at a virtual time; ties broken by insertion order. */
  private record Event(long time, long seq, Runnable action) {}

  private final PriorityQueue<Event> queue = new PriorityQueue<>(
      (a, b) -> a.time != b.time ? Long.compare(a.time, b.time) : Long.compare(a.seq, b.seq));
  private final Random random;
  /** The faults now in force. */
  public final Faults faults = new Faults();
  private final List<SimNode> nodes = new ArrayList<>();
  private final LinkedHashSet<SyncSession> dirty = new LinkedHashSet<>();
  private final IdentityHashMap<SyncSession, SimConnection> bySession = new IdentityHashMap<>();
  private final List<SimConnection> connections = new ArrayList<>();
  private long now;
  private long seq;
  private int[] partition; // group per node index; null when whole
  long trace = 17;
  long framesSent;
  long framesDropped;
  long bytesSent;

  /** A network whose delays, losses and duplicates are drawn from {@code random}. */
  public SimNetwork(Random random) {
    this.random = random;
  }

  /** The virtual time, in nanoseconds. */
  public long now() {
    return now;
  }

  /** The random source of the network's faults. */
  public Random random() {
    return random;
  }

  /** Adds a node; its index must be the number of nodes before it. */
  public void addNode(SimNode n) {
    nodes.add(n);
  }

  /** The nodes, by index. */
  public List<SimNode> nodes() {
    return nodes;
  }

  SimNode byAddress(String address) {
    for (SimNode n : nodes) {
      if (n.address().equals(address)) {
        return n;
      }
    }
    return null;
  }

  // ---- the event loop ---------------------------------------------------------------------------

  /** Runs {@code action} at virtual time {@code time} (now, if that has passed). */
  public void at(long time, Runnable action) {
    queue.add(new Event(Math.max(time, now), seq++, action));
  }

  /** Runs events up to {@code until} (inclusive); returns false if the queue ran dry. */
  public boolean runUntil(long until) {
    while (!queue.isEmpty() && queue.peek().time <= until) {
      Event e = queue.poll();
      now = e.time;
      e.action.run();
      settle();
    }
    now = Math.max(now, until);
    return !queue.isEmpty();
  }

  /** After every event: pump dirty sessions, then (re)schedule ticks of live nodes. */
  private void settle() {
    while (!dirty.isEmpty()) {
      SyncSession s = dirty.iterator().next();
      dirty.remove(s);
      SimConnection c = bySession.get(s);
      if (c != null) {
        c.pump(s);
      }
    }
    for (SimNode n : nodes) {
      if (n.isUp()) {
        scheduleTick(n);
      }
    }
  }

  void markDirty(SyncSession s) {
    dirty.add(s);
  }

  private void scheduleTick(SimNode n) {
    long d = n.replicator().nextDeadline(now);
    if (d == Long.MAX_VALUE) {
      return;
    }
    long when = Math.max(d, now + 1);
    if (when >= n.tickAt && n.tickAt > now) {
      return; // an earlier or equal tick is already scheduled
    }
    n.tickAt = when;
    long token = ++n.tickToken;
    int incarnation = n.incarnation();
    at(when, () -> {
      if (n.isUp() && n.incarnation() == incarnation && n.tickToken == token) {
        n.tickAt = Long.MAX_VALUE;
        n.replicator().tick(now);
        for (String a : n.replicator().dueDials(now)) {
          dial(n, a);
        }
      }
    });
  }

  // ---- connections ------------------------------------------------------------------------------

  /** Whether frames pass between {@code a} and {@code b} now. */
  public boolean reachable(SimNode a, SimNode b) {
    return partition == null || partition[a.index()] == partition[b.index()];
  }

  /** Splits the nodes into groups (a group per node index), or heals with null. */
  public void partition(int[] groups) {
    this.partition = groups == null ? null : groups.clone();
    mix(groups == null ? 0 : java.util.Arrays.hashCode(groups));
  }

  long delay() {
    return faults.minDelayNanos
        + (long) (random.nextDouble() * (faults.maxDelayNanos - faults.minDelayNanos));
  }

  private void dial(SimNode from, String address) {
    SimNode to = byAddress(address);
    Replicator r = from.replicator();
    SyncSession s = r.connect(address, now);
    SimConnection c = new SimConnection(this, from, to, s);
    connections.add(c);
    bySession.put(s, c);
    s.setWakeup(() -> markDirty(s));
    mix(31L * from.index() + (to == null ? 99 : to.index()));
    long d = delay();
    int inc = from.incarnation();
    at(now + d, () -> {
      if (!from.isUp() || from.incarnation() != inc || c.isDead()) {
        return;
      }
      if (to == null || !to.isUp() || !reachable(from, to)) {
        c.kill();
        r.streamClosed(s, new Refusal(Refusal.Code.UNAVAILABLE, "connect failed"), now);
        return;
      }
      SyncSession acc = to.replicator().accept(from.address(), now);
      acc.setWakeup(() -> markDirty(acc));
      c.established(acc, to.incarnation());
      bySession.put(acc, c);
      markDirty(s);
      markDirty(acc);
    });
  }

  /** Crash: every connection of {@code n} dies; peers hear of it if they can. */
  void crashConnections(SimNode n) {
    for (SimConnection c : new ArrayList<>(connections)) {
      if (c.involves(n)) {
        c.breakFrom(n);
      }
    }
  }

  /** Forgets a connection whose both ends are over. */
  void forget(SimConnection c) {
    connections.remove(c);
    bySession.remove(c.dialerSession());
    if (c.acceptorSession() != null) {
      bySession.remove(c.acceptorSession());
    }
  }

  /** Mixes {@code v} into the trace, a hash of what happened in which order. */
  public void mix(long v) {
    trace = trace * 1_000_003L + v;
  }

  /** A hash of the run so far: equal traces, same order of events. */
  public long trace() {
    return trace;
  }

  /** Frames sent so far. */
  public long framesSent() {
    return framesSent;
  }

  /** Frames lost so far (dropped, or cut by a partition or a crash). */
  public long framesDropped() {
    return framesDropped;
  }

  /** Bytes of frames sent so far. */
  public long bytesSent() {
    return bytesSent;
  }

  // ---- used by connections ----------------------------------------------------------------------

  SyncFrame parse(byte[] bytes) throws InvalidProtocolBufferException {
    return SyncFrame.parseFrom(bytes);
  }
}
