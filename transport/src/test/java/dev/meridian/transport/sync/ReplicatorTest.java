package dev.meridian.transport.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.meridian.crdt.Replica;
import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.codec.CrdtCodec;
import dev.meridian.transport.proto.Ack;
import dev.meridian.transport.proto.Hello;
import dev.meridian.transport.proto.SyncFrame;
import dev.meridian.transport.store.InMemoryReplicaStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The engine on a perfect in-memory wire: handshake rules, refusals, push, catch-up, idle cost. */
class ReplicatorTest {
  private static final long MS = 1_000_000;

  /** Two replicators joined by a lossless wire, driven by hand. */
  static final class Pair {
    final InMemoryReplicaStore storeA = InMemoryReplicaStore.create(Replica.random());
    final InMemoryReplicaStore storeB = InMemoryReplicaStore.create(Replica.random());
    final Replicator a;
    final Replicator b;
    SyncSession sa;
    SyncSession sb;
    long now = 1;
    long bytesAtoB;
    long bytesBtoA;
    final List<SyncFrame> toA = new ArrayList<>();
    final List<SyncFrame> toB = new ArrayList<>();
    /** True while the wire drops every frame, both ways, without either end hearing of it. */
    boolean cut;

    Pair(String clusterA, String clusterB) {
      this(config(clusterA), config(clusterB));
    }

    Pair(SyncConfig configA, SyncConfig configB) {
      a = new Replicator(storeA, configA, new Random(1), now);
      b = new Replicator(storeB, configB, new Random(2), now);
      storeA.subscribe(d -> a.onLocalDelta(d, now));
      storeB.subscribe(d -> b.onLocalDelta(d, now));
    }

    Pair() {
      this("c", "c");
    }

    static SyncConfig config(String cluster) {
      return SyncConfig.builder(cluster).syncInterval(Duration.ofMillis(100)).build();
    }

    void connect() {
      sa = a.connect("b", now);
      sb = b.accept("a", now);
      settle();
    }

    /** Moves frames both ways until neither side has any, advancing time through deadlines. */
    void settle() {
      for (int round = 0; round < 10_000; round++) {
        boolean moved = move(sa, b, sb, true) | move(sb, a, sa, false);
        if (!moved) {
          return;
        }
      }
      throw new AssertionError("no quiescence");
    }

    /** Advances the clock by {@code nanos} in steps of 1 ms, running timers and settling. */
    void advance(long nanos) {
      for (long end = now + nanos; now < end; ) {
        now = Math.min(end, now + MS);
        a.tick(now);
        b.tick(now);
        settle();
      }
    }

    private boolean move(SyncSession from, Replicator to, SyncSession toSession, boolean aToB) {
      boolean moved = false;
      SyncFrame f;
      while ((f = from.poll(now)) != null) {
        int size = f.getSerializedSize();
        if (aToB) {
          bytesAtoB += size;
          toB.add(f);
        } else {
          bytesBtoA += size;
          toA.add(f);
        }
        if (!cut) {
          to.receive(toSession, f, size, now);
        }
        moved = true;
      }
      return moved;
    }
  }

  @Test
  void connect_pushesAndCatchesUp_bothWays() {
    Pair p = new Pair();
    p.storeA.update("early", d -> d.set("x", 1)); // before the stream: catch-up
    p.connect();
    assertTrue(p.sa.isOpen() && p.sb.isOpen());
    assertEquals(p.storeA.documents(), p.storeB.documents());
    p.storeB.update("late", d -> d.set("y", 2)); // on the stream: push after the push delay
    p.settle();
    assertNull(p.storeA.get("late"), "waits up to the push delay for company");
    p.advance(2 * MS);
    assertEquals(p.storeA.documents(), p.storeB.documents());
    assertEquals(p.storeA.context(), p.storeB.context());
  }

  @Test
  void idleRound_costsTheSameWithTenOr100kDocuments() {
    long small = idleRoundBytes(10);
    long large = idleRoundBytes(100_000);
    // An idle round is one status Ack each way (contexts, O(replicas)): only the varints of the
    // counters and of the batch seq grow, logarithmically.
    assertTrue(large - small <= 16, "10 documents: " + small + " bytes, 100,000: " + large);
    assertTrue(large < 200, "an idle round costs " + large + " bytes");
  }

  private static long idleRoundBytes(int documents) {
    Pair p = new Pair();
    for (int i = 0; i < documents; i++) {
      int n = i;
      (n % 2 == 0 ? p.storeA : p.storeB).update("doc" + n, d -> d.set("v", n));
    }
    p.connect();
    p.advance(200 * MS); // catch-up and acks settle
    assertEquals(p.storeA.documents().size(), documents);
    assertEquals(p.storeA.context(), p.storeB.context());
    long before = p.bytesAtoB + p.bytesBtoA;
    p.advance(100 * MS); // one sync interval: each side sends its status ack
    return p.bytesAtoB + p.bytesBtoA - before;
  }

  @Test
  void silentPeer_isPingedEveryInterval_thenClosedAsStalled() {
    SyncConfig fast = SyncConfig.builder("c").syncInterval(Duration.ofMillis(100))
        .pingInterval(Duration.ofMillis(500)).idleTimeout(Duration.ofSeconds(2)).build();
    Pair p = new Pair(fast, fast);
    p.connect();
    p.advance(300 * MS);
    assertTrue(p.sa.isOpen() && p.sb.isOpen());
    p.cut = true; // packets dropped, no reset: both ends keep an open stream that hears nothing
    long lastHeard = p.sa.stats(new CausalContext()).lastContactNanos();
    p.toB.clear();
    p.advance(lastHeard + 1999 * MS - p.now);
    assertTrue(p.sa.isOpen(), "open until the idle timeout: " + p.sa);
    assertEquals(3, pings(p.toB), "a ping 500, 1,000 and 1,500 ms into the silence");
    p.advance(2 * MS);
    assertTrue(p.sa.isFinished() && p.sa.stalled(), "closed as stalled: " + p.sa);
    assertEquals(Refusal.Code.UNAVAILABLE, p.sa.closeReason().code());
    assertTrue(p.sa.closeReason().reason().contains("stream stalled: nothing heard from the peer "
        + "for 2000 ms"), p.sa.closeReason().reason());
    assertEquals(1, p.a.stalls());
    p.advance(200 * MS); // the other end's silence began within one status interval
    assertTrue(p.sb.isFinished() && p.sb.stalled(), "closed as stalled: " + p.sb);
    assertEquals(1, p.b.stalls());
  }

  @Test
  void quietPeer_answeringPings_staysOpenPastTheIdleTimeout() {
    // No status acks within the test (sync interval 1 h): only pings and their answers flow.
    SyncConfig quiet = SyncConfig.builder("c").syncInterval(Duration.ofHours(1)).build();
    Pair p = new Pair(quiet, quiet); // default ping interval (1 s) and idle timeout (4 s)
    p.connect();
    p.toB.clear();
    p.advance(12_000 * MS); // three idle timeouts
    assertTrue(p.sa.isOpen() && p.sb.isOpen(), p.sa + " / " + p.sb);
    assertTrue(pings(p.toB) >= 6, "pings sent: " + pings(p.toB));
    assertEquals(0, p.a.stalls() + p.b.stalls());
  }

  @Test
  void config_pingIntervalNotBelowIdleTimeout_isRefused() {
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class, () -> SyncConfig.builder("c")
            .pingInterval(Duration.ofSeconds(2)).idleTimeout(Duration.ofSeconds(2)).build());
    assertTrue(e.getMessage().contains("ping interval (2000 ms) must be shorter than the idle "
        + "timeout (2000 ms)"), e.getMessage());
  }

  private static long pings(List<SyncFrame> frames) {
    return frames.stream().filter(f -> f.hasPing() && !f.getPing().getPong()).count();
  }

  @Test
  void hello_otherCluster_isRefusedWithGoodbye() {
    Pair p = new Pair("c", "d");
    p.connect();
    assertTrue(p.sb.isFinished(), "acceptor refused");
    SyncFrame last = p.toA.get(p.toA.size() - 1);
    assertTrue(last.hasGoodbye());
    assertEquals(Refusal.Code.FAILED_PRECONDITION.number(), last.getGoodbye().getCode());
    assertTrue(last.getGoodbye().getReason().contains("cluster id mismatch"));
    assertEquals(1, p.b.rejectedFrames());
    assertTrue(p.sa.isFinished(), "dialer closes on the Goodbye");
  }

  @Test
  void frames_outOfOrderOrInvalid_areRefused() {
    assertRefusal(SyncFrame.newBuilder().setAck(Ack.getDefaultInstance()).build(),
        Refusal.Code.INVALID_ARGUMENT, "expected a hello first");
    assertRefusal(SyncFrame.getDefaultInstance(), Refusal.Code.INVALID_ARGUMENT,
        "expected a hello first");
    assertRefusal(hello(b -> b.setProtocolVersion(2)), Refusal.Code.FAILED_PRECONDITION,
        "protocol version 2");
    assertRefusal(hello(b -> b.setContext(ByteString.copyFromUtf8("junk"))),
        Refusal.Code.INVALID_ARGUMENT, "hello context");
    assertRefusal(hello(b -> b.addKnownPeers("x".repeat(300))), Refusal.Code.INVALID_ARGUMENT,
        "known peer address");
  }

  @Test
  void hello_ownReplicaId_isRefused() {
    InMemoryReplicaStore store = InMemoryReplicaStore.create(Replica.random());
    Replicator r = new Replicator(store, Pair.config("c"), new Random(1), 0);
    SyncSession s = r.accept("me", 0);
    r.receive(s, hello(b -> b.setReplicaId(store.replicaId().value())), 10, 0);
    assertEquals(Refusal.Code.FAILED_PRECONDITION, s.closeReason().code());
    assertTrue(s.closeReason().reason().contains("itself"));
    // A replica reaching itself is closed with a Goodbye, but it is no peer's refused frame.
    assertEquals(Map.of(), r.refusalsByKind());
    assertEquals(0, r.rejectedFrames());
  }

  @Test
  void dialingItsOwnAddress_isRecognisedByTheDialer_andNeverRedialed() {
    // The dialer gets a Goodbye, not a Hello: it must still learn that the address is its own.
    InMemoryReplicaStore store = InMemoryReplicaStore.create(Replica.random());
    SyncConfig config = SyncConfig.builder("c").peers(List.of("me:1")).build();
    Replicator r = new Replicator(store, config, new Random(1), 0);
    assertEquals(List.of("me:1"), r.dueDials(0));
    SyncSession out = r.connect("me:1", 0);
    SyncSession in = r.accept("127.0.0.1:5555", 0);
    SyncFrame f;
    for (int round = 0; round < 10; round++) {
      while ((f = out.poll(0)) != null) {
        r.receive(in, f, f.getSerializedSize(), 0);
      }
      while ((f = in.poll(0)) != null) {
        r.receive(out, f, f.getSerializedSize(), 0);
      }
    }
    assertEquals(Refusal.Code.FAILED_PRECONDITION, out.closeReason().code());
    r.streamClosed(out, out.closeReason(), 0);
    r.streamClosed(in, in.closeReason(), 0);
    assertEquals(List.of(), r.dueDials(Long.MAX_VALUE / 2), "an address found to be itself");
    assertEquals(Long.MAX_VALUE, r.nextDeadline(1));
  }

  @Test
  void ack_forABatchNeverSent_isRefused() {
    Pair p = new Pair();
    p.connect();
    p.a.receive(p.sa, SyncFrame.newBuilder().setAck(Ack.newBuilder().setAppliedSeq(99)
        .setContext(ByteString.copyFrom(CrdtCodec.encode(new CausalContext())))).build(), 10,
        p.now);
    assertEquals(Refusal.Code.INVALID_ARGUMENT, p.sa.closeReason().code());
    assertTrue(p.sa.closeReason().reason().contains("only 0 were sent"));
  }

  @Test
  void duplicateRefusedByTheAcceptor_stillTellsTheDiallerWhomItReached() {
    // Found in review: the acceptor dropped the duplicate before sending its Hello, so the dialler
    // never learnt which replica its address reaches, showed it as down and kept redialling.
    InMemoryReplicaStore s1 = InMemoryReplicaStore.create(Replica.random());
    InMemoryReplicaStore s2 = InMemoryReplicaStore.create(Replica.random());
    boolean oneIsSmaller = s1.replicaId().compareTo(s2.replicaId()) < 0;
    InMemoryReplicaStore smallStore = oneIsSmaller ? s1 : s2;
    InMemoryReplicaStore largeStore = oneIsSmaller ? s2 : s1;
    Replicator small = new Replicator(smallStore,
        SyncConfig.builder("c").peers(List.of("large")).build(), new Random(1), 0);
    Replicator large = new Replicator(largeStore,
        SyncConfig.builder("c").peers(List.of("small")).build(), new Random(2), 0);
    // The smaller replica's stream opens first; it is the one both sides keep.
    SyncSession kept = small.connect("large", 0);
    SyncSession keptThere = large.accept("small-ephemeral", 0);
    exchange(small, kept, large, keptThere);
    assertTrue(kept.isOpen() && keptThere.isOpen());
    // The larger one dials too: the smaller refuses the duplicate.
    SyncSession dup = large.connect("small", 0);
    SyncSession dupThere = small.accept("large-ephemeral", 0);
    exchange(large, dup, small, dupThere);
    assertEquals(Refusal.Code.ALREADY_EXISTS, dupThere.closeReason().code());
    large.streamClosed(dup, dup.closeReason(), 0);
    small.streamClosed(dupThere, dupThere.closeReason(), 0);
    KnownAddress k = large.knownAddresses().stream()
        .filter(a -> a.address().equals("small")).findFirst().orElseThrow();
    assertEquals(smallStore.replicaId(), k.replica());
    assertFalse(large.dueDials(Long.MAX_VALUE / 2).contains("small"),
        "no redial of an address whose replica is connected");
    assertTrue(kept.isOpen() && keptThere.isOpen(), "the first stream is kept");
  }

  /** Moves frames between two sessions until neither has any. */
  private static void exchange(Replicator r1, SyncSession s1, Replicator r2, SyncSession s2) {
    for (int round = 0; round < 20; round++) {
      SyncFrame f;
      while ((f = s1.poll(0)) != null) {
        r2.receive(s2, f, f.getSerializedSize(), 0);
      }
      while ((f = s2.poll(0)) != null) {
        r1.receive(s1, f, f.getSerializedSize(), 0);
      }
    }
  }

  @Test
  void secondStream_betweenTheSamePair_isRefused_andTheFirstKept() {
    Pair p = new Pair();
    p.connect();
    SyncSession dupA = p.a.connect("b-again", p.now);
    SyncSession dupB = p.b.accept("a-again", p.now);
    for (int i = 0; i < 10; i++) {
      SyncFrame f;
      while ((f = dupA.poll(p.now)) != null) {
        p.b.receive(dupB, f, f.getSerializedSize(), p.now);
      }
      while ((f = dupB.poll(p.now)) != null) {
        p.a.receive(dupA, f, f.getSerializedSize(), p.now);
      }
    }
    // Same direction twice: the newer wins, the older is closed on both sides.
    assertTrue(p.sb.isClosing() || p.sb.isFinished() || dupB.isClosing() || dupB.isFinished());
    SyncSession kept = p.b.sessionWith(p.storeA.replicaId());
    assertNotNull(kept);
    assertEquals(Refusal.Code.ALREADY_EXISTS,
        (kept == dupB ? p.sb : dupB).closeReason().code());
  }

  private static void assertRefusal(SyncFrame frame, Refusal.Code code, String reason) {
    InMemoryReplicaStore store = InMemoryReplicaStore.create(Replica.random());
    Replicator r = new Replicator(store, Pair.config("c"), new Random(1), 0);
    SyncSession s = r.accept("peer", 0);
    r.receive(s, frame, frame.getSerializedSize(), 0);
    assertTrue(s.isClosing(), "closing after " + frame);
    assertEquals(code, s.closeReason().code());
    assertTrue(s.closeReason().reason().contains(reason), s.closeReason().reason());
    SyncFrame goodbye = s.poll(0);
    assertTrue(goodbye.hasGoodbye());
    assertEquals(code.number(), goodbye.getGoodbye().getCode());
    assertTrue(s.isFinished());
    assertEquals(1, r.rejectedFrames());
  }

  private static SyncFrame hello(java.util.function.Consumer<Hello.Builder> edit) {
    Hello.Builder b = Hello.newBuilder().setProtocolVersion(SyncConfig.PROTOCOL_VERSION)
        .setClusterId("c").setReplicaId(12345)
        .setContext(ByteString.copyFrom(CrdtCodec.encode(new CausalContext())));
    edit.accept(b);
    return SyncFrame.newBuilder().setHello(b).build();
  }
}
