package dev.meridian.transport.sync;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.meridian.crdt.Replica;
import dev.meridian.crdt.ReplicaId;
import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.clock.HybridClock;
import dev.meridian.transport.proto.SyncFrame;
import dev.meridian.transport.store.InMemoryReplicaStore;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;

/**
 * Coverage-guided fuzzing (Jazzer) of what a peer sends on a replication stream: frames go to a
 * replica's engine exactly as a driver hands them over ({@link Replicator#receive}), and what the
 * engine answers is polled as a driver would. A frame may be applied or refused (a Goodbye and a
 * closed stream); a failure inside the engine (an INTERNAL close, or an exception out of {@code
 * poll}) is a finding.
 *
 * <p>An input is a flags byte, then frames, each a 2-byte big-endian length and that many bytes
 * of a serialized SyncFrame (bytes that do not parse are skipped, as gRPC would never deliver
 * them). Flag bit 0: the harness first delivers a valid Hello of a peer, so the fuzzer reaches
 * batches, acks and pings without having to guess the cluster id; without it the fuzzer's first
 * frame is the Hello. Flag bit 1: that Hello accepts compressed batches, so the replica deflates
 * what it sends (compressed batches the peer sends are inflated either way). The replica holds
 * two documents of its own, so claims on its dots and catch-up are reachable. Stored inputs:
 * {@code FramesFuzzTestInputs/frames}; see docs/fuzzing.md.
 */
class FramesFuzzTest {
  /*
   * Each input gets a replica of its own, equal to every other input's at the start: the store is
   * restored from one snapshot (a deep copy, cheaper than making the two documents again), and
   * the engine and session are new. A replica's own deflater costs more than the rest of a short
   * input (zlib sets up some 256 KiB per stream), hence flag bit 1 rather than compression in
   * every harness Hello: what the peer sends is decoded and inflated the same either way.
   */
  private static final FuzzRuns RUNS = new FuzzRuns("transport FramesFuzzTest");
  private static final SyncConfig CONFIG = SyncConfig.builder("fuzz").maxDocumentBytes(1 << 16)
      .maxPartBytes(1024).build();
  static final ReplicaId SELF = ReplicaId.of(0x5e1f);
  static final ReplicaId PEER = ReplicaId.of(0xbee);
  private static final SyncFrame PEER_HELLO_DEFLATING = SyncFrame.newBuilder().setHello(
      Handshake.hello(CONFIG, PEER, new CausalContext(), List.of(), List.of())).build();
  private static final SyncFrame PEER_HELLO = PEER_HELLO_DEFLATING.toBuilder().setHello(
      PEER_HELLO_DEFLATING.getHello().toBuilder().clearCompression()).build();
  /** The replica's store at the start of every input: two documents of its own. */
  private static final InMemoryReplicaStore.Snapshot START;
  /** The replica's clock at the start of every input. */
  private static final long START_CLOCK;

  static {
    Replica made = replica(0, 0);
    InMemoryReplicaStore store = InMemoryReplicaStore.create(made);
    store.update("own/a", d -> d.set("x", 1));
    store.update("own/b", d -> d.insertText("t", 0, "abc"));
    START = store.snapshot();
    START_CLOCK = made.clock().last();
  }

  /** The replica with {@code lastCounter} issued, its clock at {@code clock}, its wall at 1 s. */
  private static Replica replica(long lastCounter, long clock) {
    HybridClock c = new HybridClock(() -> 1_000L);
    c.observe(clock);
    return Replica.resume(SELF, lastCounter, c);
  }

  @AfterAll
  static void enoughInputs() {
    RUNS.check();
  }

  /** Every input starts from what the two writes make: the restored store cannot be told apart. */
  @org.junit.jupiter.api.Test
  void start_isTheStoreTheTwoWritesMake() {
    Replica made = replica(0, 0);
    InMemoryReplicaStore written = InMemoryReplicaStore.create(made);
    written.update("own/a", d -> d.set("x", 1));
    written.update("own/b", d -> d.insertText("t", 0, "abc"));
    InMemoryReplicaStore restored = InMemoryReplicaStore.restore(START,
        replica(START.lastCounter(), START_CLOCK));
    org.junit.jupiter.api.Assertions.assertEquals(written.documents(), restored.documents());
    org.junit.jupiter.api.Assertions.assertEquals(written.context(), restored.context());
    org.junit.jupiter.api.Assertions.assertEquals(written.lastIssued(), restored.lastIssued());
    // The next local write is the same in both: same counter, same clock.
    written.update("own/c", d -> d.set("y", 2));
    restored.update("own/c", d -> d.set("y", 2));
    org.junit.jupiter.api.Assertions.assertEquals(written.documents(), restored.documents());
  }

  @FuzzTest(maxDuration = "5m")
  void frames(byte[] input) {
    RUNS.count();
    InMemoryReplicaStore store = InMemoryReplicaStore.restore(START,
        replica(START.lastCounter(), START_CLOCK));
    Replicator r = new Replicator(store, CONFIG, new Random(1), 0);
    SyncSession s = r.accept("fuzzer", 0);
    long now = 1;
    if (input.length > 0 && (input[0] & 1) != 0) {
      SyncFrame hello = (input[0] & 2) != 0 ? PEER_HELLO_DEFLATING : PEER_HELLO;
      deliver(r, s, hello, hello.getSerializedSize(), now++);
    }
    int pos = 1;
    while (pos + 2 <= input.length && !s.isClosing() && !s.isFinished()) {
      int len = Math.min(((input[pos] & 0xff) << 8) | (input[pos + 1] & 0xff),
          input.length - pos - 2);
      pos += 2;
      SyncFrame f;
      try {
        f = SyncFrame.parseFrom(ByteString.copyFrom(input, pos, len));
      } catch (InvalidProtocolBufferException e) {
        pos += len;
        continue;
      }
      pos += len;
      deliver(r, s, f, len, now++);
    }
    r.tick(now + CONFIG.idleTimeoutNanos);
    drain(s, now);
  }

  private static void deliver(Replicator r, SyncSession s, SyncFrame f, int size, long now) {
    r.receive(s, f, size, now);
    Refusal why = s.closeReason();
    // A peer's Goodbye may carry any code, INTERNAL included ("peer said: ..."): only the
    // engine's own INTERNAL close is a failure here.
    if (why != null && why.code() == Refusal.Code.INTERNAL && !f.hasGoodbye()) {
      throw new AssertionError("the engine failed on a peer's frame " + f.getBodyCase() + ": "
          + why);
    }
    drain(s, now);
  }

  /** Polls what the engine has to send, as a driver whose stream is always ready. */
  private static void drain(SyncSession s, long now) {
    for (int i = 0; i < 10_000 && s.poll(now) != null; i++) {
      // sent
    }
  }
}
