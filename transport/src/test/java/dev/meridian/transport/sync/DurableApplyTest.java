package dev.meridian.transport.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.meridian.crdt.Replica;
import dev.meridian.crdt.doc.KeyedDelta;
import dev.meridian.transport.proto.SyncFrame;
import dev.meridian.transport.store.ForwardingStore;
import dev.meridian.transport.store.InMemoryReplicaStore;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * A receiver whose store makes joins durable later (as the MapDB store's group commit does): a
 * batch is acknowledged and relayed only once durable, the stream is read meanwhile up to {@link
 * SyncSession#MAX_AWAITING_DURABILITY} batches, and a batch that cannot be made durable ends the
 * stream.
 */
class DurableApplyTest {
  private static final long MS = 1_000_000;

  /** Joins at once (the in-memory store), reports durability when the test says so. */
  static final class LaterDurable extends ForwardingStore {
    final ArrayDeque<CompletableFuture<List<KeyedDelta>>> waiting = new ArrayDeque<>();
    final ArrayDeque<List<KeyedDelta>> results = new ArrayDeque<>();

    LaterDurable() {
      super(InMemoryReplicaStore.create(Replica.random()));
    }

    @Override
    public CompletableFuture<List<KeyedDelta>> applyDurably(List<KeyedDelta> deltas) {
      CompletableFuture<List<KeyedDelta>> f = new CompletableFuture<>();
      results.add(store.apply(deltas));
      waiting.add(f);
      return f;
    }

    void durableOne() {
      waiting.poll().complete(results.poll());
    }

    void failOne() {
      results.poll();
      waiting.poll().completeExceptionally(new IllegalStateException("fsync failed"));
    }
  }

  private final InMemoryReplicaStore storeA = InMemoryReplicaStore.create(Replica.random());
  private final LaterDurable storeB = new LaterDurable();
  private final ArrayDeque<Runnable> bLoop = new ArrayDeque<>();
  private final List<SyncFrame> toA = new ArrayList<>();
  private final ArrayDeque<SyncFrame> toB = new ArrayDeque<>();
  private long now = 1;
  private final Replicator a;
  private final Replicator b;
  private SyncSession sa;
  private SyncSession sb;

  DurableApplyTest() {
    SyncConfig config = SyncConfig.builder("c").syncInterval(Duration.ofMillis(100)).build();
    a = new Replicator(storeA, config, new Random(1), now);
    b = new Replicator(storeB, config, new Random(2), now);
    b.runDurabilityOn(bLoop::add, () -> now);
    storeA.subscribe(d -> a.onLocalDelta(d, now));
  }

  private void settle() {
    for (int round = 0; round < 10_000; round++) {
      boolean moved = false;
      SyncFrame f;
      while ((f = sa.poll(now)) != null) {
        toB.add(f); // the wire holds what the driver does not read yet (flow control)
        moved = true;
      }
      while (!toB.isEmpty() && sb.mayReceive()) {
        f = toB.poll();
        b.receive(sb, f, f.getSerializedSize(), now);
        moved = true;
      }
      while ((f = sb.poll(now)) != null) {
        toA.add(f);
        a.receive(sa, f, f.getSerializedSize(), now);
        moved = true;
      }
      while (!bLoop.isEmpty()) {
        bLoop.poll().run();
        moved = true;
      }
      if (!moved) {
        return;
      }
    }
    throw new AssertionError("no quiescence");
  }

  private void advance(long nanos) {
    for (long end = now + nanos; now < end; ) {
      now = Math.min(end, now + MS);
      a.tick(now);
      b.tick(now);
      settle();
    }
  }

  private long highestAckedSeq() {
    long seq = 0;
    for (SyncFrame f : toA) {
      if (f.hasAck()) {
        seq = Math.max(seq, f.getAck().getAppliedSeq());
      }
    }
    return seq;
  }

  private void connect() {
    sa = a.connect("b", now);
    sb = b.accept("a", now);
    settle();
    assertTrue(sa.isOpen() && sb.isOpen());
  }

  /** One write at A, pushed to B as a batch of its own. */
  private void writeAtA(int i) {
    storeA.update("k" + i, d -> d.set("v", i));
    advance(30 * MS);
  }

  @Test
  void aBatchIsAcknowledgedOnlyOnceDurable_andTheStreamIsReadMeanwhile() {
    connect();
    writeAtA(1);
    writeAtA(2);
    assertEquals(2, storeB.waiting.size(), "both batches were read and joined");
    assertTrue(storeB.store.get("k2") != null && !storeB.store.get("k2").asMap().isEmpty(),
        "joined at once");
    advance(300 * MS); // acks and status acks go out meanwhile
    assertEquals(0, highestAckedSeq(), "no ack covers a batch before it is durable");

    storeB.durableOne();
    advance(30 * MS);
    long first = highestAckedSeq();
    assertTrue(first >= 1, "the first batch is acknowledged once durable");
    storeB.durableOne();
    advance(30 * MS);
    assertTrue(highestAckedSeq() > first, "then the second");
    assertTrue(sa.isOpen() && sb.isOpen());
  }

  @Test
  void pastTheMostBatchesAwaitingDurability_theDriverStopsReading() {
    connect();
    for (int i = 0; i < SyncSession.MAX_AWAITING_DURABILITY - 1; i++) {
      writeAtA(i);
    }
    assertTrue(sb.mayReceive());
    writeAtA(100);
    assertEquals(SyncSession.MAX_AWAITING_DURABILITY, storeB.waiting.size());
    assertFalse(sb.mayReceive(), "the driver must stop reading this stream");
    writeAtA(101);
    assertEquals(SyncSession.MAX_AWAITING_DURABILITY, storeB.waiting.size(), "not read");
    storeB.durableOne();
    settle();
    assertEquals(SyncSession.MAX_AWAITING_DURABILITY, storeB.waiting.size(),
        "one durable batch lets the held one be read");
    assertTrue(storeB.store.get("k101") != null && !storeB.store.get("k101").asMap().isEmpty());
  }

  @Test
  void aBatchThatCannotBeMadeDurable_endsTheStreamWithoutAnAck() {
    connect();
    writeAtA(1);
    storeB.failOne();
    advance(30 * MS);
    assertFalse(sb.isOpen(), "the receiving side closes the stream");
    assertEquals(0, highestAckedSeq());
  }
}
