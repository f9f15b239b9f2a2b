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
 * frame is the Hello. The replica holds two documents of its own, so claims on its dots and
 * catch-up are reachable. Stored inputs: {@code FramesFuzzTestInputs/frames}; see docs/fuzzing.md.
 */
class FramesFuzzTest {
  private static final FuzzRuns RUNS = new FuzzRuns("transport FramesFuzzTest");
  private static final SyncConfig CONFIG = SyncConfig.builder("fuzz").maxDocumentBytes(1 << 16)
      .maxPartBytes(1024).build();
  static final ReplicaId SELF = ReplicaId.of(0x5e1f);
  static final ReplicaId PEER = ReplicaId.of(0xbee);
  private static final SyncFrame PEER_HELLO = SyncFrame.newBuilder().setHello(Handshake.hello(
      CONFIG, PEER, new CausalContext(), List.of(), List.of())).build();

  @AfterAll
  static void enoughInputs() {
    RUNS.check();
  }

  @FuzzTest(maxDuration = "5m")
  void frames(byte[] input) {
    RUNS.count();
    InMemoryReplicaStore store = InMemoryReplicaStore.create(
        Replica.resume(SELF, 0, new HybridClock(() -> 1_000L)));
    store.update("own/a", d -> d.set("x", 1));
    store.update("own/b", d -> d.insertText("t", 0, "abc"));
    Replicator r = new Replicator(store, CONFIG, new Random(1), 0);
    SyncSession s = r.accept("fuzzer", 0);
    long now = 1;
    if (input.length > 0 && (input[0] & 1) != 0) {
      deliver(r, s, PEER_HELLO, PEER_HELLO.getSerializedSize(), now++);
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
