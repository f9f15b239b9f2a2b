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
 */
final class SimNetwork {
  /** Fault settings; changeable during a run. */
  static final class Faults {
    double drop;
    double duplicate;
    long minDelayNanos = 200_000;
    long maxDelayNanos = 5_000_000;
    int windowBytes = 16 << 10;
  }

  /** Something that happens at a virtual time; ties broken by insertion order. */
  private record Event(long time, long seq, Runnable action) {}

  private final PriorityQueue<Event> queue = new PriorityQueue<>(
      (a, b) -> a.time != b.time ? Long.compare(a.time, b.time) : Long.compare(a.seq, b.seq));
  private final Random random;
  final Faults faults = new Faults();
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

  SimNetwork(Random random) {
    this.random = random;
  }

  long now() {
    return now;
  }

  Random random() {
    return random;
  }

  void addNode(SimNode n) {
    nodes.add(n);
  }

  List<SimNode> nodes() {
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

  void at(long time, Runnable action) {
    queue.add(new Event(Math.max(time, now), seq++, action));
  }

  /** Runs events up to {@code until} (inclusive); returns false if the queue ran dry. */
  boolean runUntil(long until) {
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

  boolean reachable(SimNode a, SimNode b) {
    return partition == null || partition[a.index()] == partition[b.index()];
  }

  void partition(int[] groups) {
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

  void mix(long v) {
    trace = trace * 1_000_003L + v;
  }

  // ---- used by connections ----------------------------------------------------------------------

  SyncFrame parse(byte[] bytes) throws InvalidProtocolBufferException {
    return SyncFrame.parseFrom(bytes);
  }
}
