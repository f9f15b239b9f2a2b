package dev.meridian.transport.sim;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.meridian.transport.proto.SyncFrame;
import dev.meridian.transport.sync.Refusal;
import dev.meridian.transport.sync.SyncSession;

/**
 * One simulated Sync stream between two nodes: frames go as bytes with random delay, loss and
 * duplication (Hellos excepted, and nothing overtakes a Hello, as a real stream's handshake), only
 * while both ends are reachable; a window of bytes in flight per direction stands for gRPC's
 * isReady. When one end finishes or crashes, the other hears of it after a delay if it can, else
 * the stream stays half-open until the engine's idle timeout.
 */
final class SimConnection {
  private final SimNetwork net;
  private final SimNode dialer;
  private final SimNode acceptor;
  private final SyncSession dialerSession;
  private final int dialerIncarnation;
  private SyncSession acceptorSession;
  private int acceptorIncarnation;
  private boolean established;
  private boolean dead;
  private boolean stalled;
  private final int[] inFlight = new int[2];
  private final long[] helloAt = new long[2];
  private final boolean[] ended = new boolean[2];

  SimConnection(SimNetwork net, SimNode dialer, SimNode acceptor, SyncSession dialerSession) {
    this.net = net;
    this.dialer = dialer;
    this.acceptor = acceptor;
    this.dialerSession = dialerSession;
    this.dialerIncarnation = dialer.incarnation();
  }

  SyncSession dialerSession() {
    return dialerSession;
  }

  SyncSession acceptorSession() {
    return acceptorSession;
  }

  void established(SyncSession acc, int incarnation) {
    this.acceptorSession = acc;
    this.acceptorIncarnation = incarnation;
    this.established = true;
  }

  boolean isDead() {
    return dead;
  }

  void kill() {
    dead = true;
    ended[0] = true;
    ended[1] = true;
    net.forget(this);
  }

  boolean involves(SimNode n) {
    return n == dialer || n == acceptor;
  }

  private int side(SyncSession s) {
    return s == dialerSession ? 0 : 1;
  }

  private SimNode node(int side) {
    return side == 0 ? dialer : acceptor;
  }

  private SyncSession session(int side) {
    return side == 0 ? dialerSession : acceptorSession;
  }

  private boolean alive(int side) {
    SimNode n = node(side);
    return n != null && n.isUp()
        && n.incarnation() == (side == 0 ? dialerIncarnation : acceptorIncarnation) && !ended[side];
  }

  /** Sends what the session has while the direction is ready; ends the stream once it finished. */
  void pump(SyncSession s) {
    int side = side(s);
    if (!alive(side)) {
      return;
    }
    while (true) {
      boolean ready = established && !dead && inFlight[side] < net.faults.windowBytes;
      if (!s.isClosing() && !ready) {
        break;
      }
      SyncFrame f = s.poll(net.now());
      if (f == null) {
        break;
      }
      if (established && !dead) {
        send(side, f);
      }
    }
    if (s.isFinished()) {
      finish(side);
    }
  }

  private void send(int side, SyncFrame f) {
    byte[] bytes = f.toByteArray();
    int len = bytes.length;
    inFlight[side] += len;
    net.framesSent++;
    net.bytesSent += len;
    net.mix(len * 7L + side);
    boolean hello = f.hasHello();
    boolean drop = !hello && net.random().nextDouble() < net.faults.drop;
    boolean dup = !hello && !drop && net.random().nextDouble() < net.faults.duplicate;
    long t = net.now() + net.delay();
    if (hello) {
      helloAt[side] = t;
    } else {
      t = Math.max(t, helloAt[side]);
    }
    net.at(t, () -> {
      inFlight[side] -= len;
      if (alive(side)) {
        net.markDirty(session(side));
      }
      if (drop) {
        net.framesDropped++;
      } else {
        deliver(1 - side, bytes, hello);
      }
    });
    if (dup) {
      net.at(Math.max(net.now() + net.delay(), helloAt[side]),
          () -> deliver(1 - side, bytes, false));
    }
  }

  private void deliver(int toSide, byte[] bytes, boolean hello) {
    if (stalled || !alive(toSide) || !net.reachable(dialer, acceptor)) {
      net.framesDropped++;
      if (hello) {
        stalled = true; // a handshake cut by a partition stalls; both ends time out
        dead = true;
      }
      return;
    }
    SyncSession to = session(toSide);
    SyncFrame f;
    try {
      f = net.parse(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError("a frame did not parse", e);
    }
    net.mix(bytes.length * 13L + toSide);
    node(toSide).replicator().receive(to, f, bytes.length, net.now());
  }

  /** The session on {@code side} finished: the stream ends; the other side hears of it later. */
  private void finish(int side) {
    ended[side] = true;
    node(side).replicator().streamClosed(session(side), session(side).closeReason(), net.now());
    dead = true;
    notifyOther(1 - side);
  }

  /** {@code n} crashed: the stream dies with it. */
  void breakFrom(SimNode n) {
    int side = n == dialer ? 0 : 1;
    ended[side] = true;
    dead = true;
    notifyOther(1 - side);
  }

  private void notifyOther(int other) {
    if (session(other) == null || ended[other]) {
      if (ended[0] && ended[1]) {
        net.forget(this);
      }
      return;
    }
    net.at(net.now() + net.delay(), () -> {
      if (alive(other) && net.reachable(dialer, acceptor)) {
        ended[other] = true;
        node(other).replicator().streamClosed(session(other),
            new Refusal(Refusal.Code.UNAVAILABLE, "stream closed by the peer"), net.now());
        net.forget(this);
      }
      // Otherwise half-open: the engine's idle timeout ends it, through pump/finish.
    });
  }
}
