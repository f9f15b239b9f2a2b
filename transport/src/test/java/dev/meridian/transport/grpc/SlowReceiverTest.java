package dev.meridian.transport.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.meridian.crdt.Replica;
import dev.meridian.crdt.ReplicaId;
import dev.meridian.crdt.doc.KeyedDelta;
import dev.meridian.transport.store.ForwardingStore;
import dev.meridian.transport.store.InMemoryReplicaStore;
import dev.meridian.transport.sync.PeerStats;
import dev.meridian.transport.sync.SyncConfig;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A receiver that applies about 2,000 deltas a second while the sender produces 100,000 for it:
 * the sender must stop pulling (pushes beyond its queue bound are dropped and left to catch-up,
 * catch-up pulls from storage only while the stream is ready), so its buffers and the heap stay
 * bounded; once the receiver speeds up it gets everything.
 */
class SlowReceiverTest {
  private static final Logger LOG = LoggerFactory.getLogger(SlowReceiverTest.class);
  private static final int WRITES = 100_000;

  /** A store whose apply takes a nap while {@code slow} is set. */
  static final class SlowStore extends ForwardingStore {
    volatile boolean slow = true;

    SlowStore(InMemoryReplicaStore inner) {
      super(inner);
    }

    @Override
    public List<KeyedDelta> apply(List<KeyedDelta> deltas) {
      if (slow) {
        try {
          Thread.sleep(1 + deltas.size() / 2); // about 2,000 deltas a second
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return store.apply(deltas);
    }
  }

  @Test
  void slowReceiver_senderWith100kPendingDeltas_staysBounded() throws Exception {
    int senderPort = ReplicationNodeTest.freePort();
    SyncConfig senderConfig = SyncConfig.builder("slow")
        .advertisedAddress("127.0.0.1:" + senderPort)
        .syncInterval(Duration.ofMillis(200))
        .maxQueuedBytes(1 << 20) // 100,000 deltas of ~60 bytes would need 6 MiB
        .maxInFlightBytes(1 << 20)
        .build();
    InMemoryReplicaStore senderStore = InMemoryReplicaStore.create(Replica.random());
    SlowStore receiverStore = new SlowStore(InMemoryReplicaStore.create(Replica.random()));
    SyncConfig receiverConfig = SyncConfig.builder("slow")
        .peers(List.of("127.0.0.1:" + senderPort))
        .syncInterval(Duration.ofMillis(200))
        .build();
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    try (ReplicationNode sender = ReplicationNode.startNetty(senderStore, senderConfig,
            TlsSettings.plaintext(), new InetSocketAddress("127.0.0.1", senderPort));
        ReplicationNode receiver = ReplicationNode.startNetty(receiverStore, receiverConfig,
            TlsSettings.plaintext(), null)) {
      ReplicaId slow = receiverStore.replicaId();
      awaitOpen(sender, slow);
      System.gc();
      long before = memory.getHeapMemoryUsage().getUsed();

      for (int i = 0; i < WRITES; i++) {
        int n = i;
        senderStore.update("doc" + n, d -> d.set("v", n));
      }
      System.gc();
      long baseline = memory.getHeapMemoryUsage().getUsed(); // the 100,000 documents themselves
      double perDocument = (double) (baseline - before) / WRITES;

      long peakBuffered = 0;
      long peakHeap = Long.MIN_VALUE;
      long peakRawHeap = 0;
      long dropped = 0;
      for (int sample = 0; sample < 16; sample++) {
        Thread.sleep(250);
        PeerStats p = streamTo(sender, slow);
        if (p == null) {
          continue; // between a stalled stream and its successor
        }
        peakBuffered = Math.max(peakBuffered, p.queuedBytes() + p.inFlightBytes());
        // The most seen: a stream that stalls and reconnects starts its counts again.
        dropped = Math.max(dropped, p.droppedPushes());
        if (sample % 4 == 3) {
          // Heap over the sender's stored documents, less what the receiver stored meanwhile
          // (both run in this JVM).
          System.gc();
          long used = memory.getHeapMemoryUsage().getUsed();
          long grown = used - baseline;
          peakRawHeap = Math.max(peakRawHeap, used);
          peakHeap = Math.max(peakHeap, grown - (long) (receiverStore.store.size() * perDocument));
        }
      }
      int receivedWhileSlow = receiverStore.store.size();
      LOG.info("slow receiver: {} of {} documents received in 4 s; sender buffers peak {} KiB "
          + "(queue + in flight); heap after GC: {} MiB before the writes, {} MiB after them, peak {} MiB "
          + "while the receiver was slow ({} KiB over the post-write heap after deducting the "
          + "receiver's new documents); {} pushes dropped to catch-up", receivedWhileSlow, WRITES,
          peakBuffered >> 10, before >> 20, baseline >> 20, peakRawHeap >> 20, peakHeap >> 10,
          dropped);

      long bound = (1 << 20) + (1 << 20) + (256 << 10); // queue + in flight + one batch
      assertTrue(peakBuffered <= bound, "sender buffered " + peakBuffered + " bytes");
      assertTrue(peakHeap < (64L << 20), "heap grew by " + (peakHeap >> 20) + " MiB");
      assertTrue(receivedWhileSlow < WRITES / 2, "the receiver really was slow");
      assertTrue(dropped > 0, "pushes beyond the queue bound were dropped, not buffered");

      receiverStore.slow = false;
      long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
      while (!receiverStore.context().equals(senderStore.context())
          && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      assertEquals(senderStore.context(), receiverStore.context(), "caught up after speeding up");
      assertEquals(senderStore.documents(), receiverStore.store.documents());
    }
  }

  /**
   * Waits for {@code node}'s open stream with {@code peer}. By replica, not by position: a node
   * that an earlier test in this JVM left dialling a port the sender now holds opens a stream of
   * its own, which takes the pushes too and drops none.
   */
  private static void awaitOpen(ReplicationNode node, ReplicaId peer)
      throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (System.nanoTime() < deadline) {
      PeerStats p = streamTo(node, peer);
      if (p != null && p.state().equals("OPEN")) {
        return;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("no session with " + peer + " opened");
  }

  /** {@code node}'s stream with {@code peer}, or null. */
  private static PeerStats streamTo(ReplicationNode node, ReplicaId peer) {
    return node.peers().stream().filter(p -> peer.equals(p.peer())).findFirst().orElse(null);
  }
}
