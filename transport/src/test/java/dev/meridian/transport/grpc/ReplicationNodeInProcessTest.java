package dev.meridian.transport.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.meridian.crdt.Replica;
import dev.meridian.transport.store.InMemoryReplicaStore;
import dev.meridian.transport.sync.SyncConfig;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The node takes any ServerBuilder and channel factory: here gRPC's in-process transport. */
class ReplicationNodeInProcessTest {
  @Test
  void start_inProcessServerBuilder_replicatesBothWays() throws Exception {
    String a = InProcessServerBuilder.generateName();
    String b = InProcessServerBuilder.generateName();
    InMemoryReplicaStore storeA = InMemoryReplicaStore.create(Replica.random());
    InMemoryReplicaStore storeB = InMemoryReplicaStore.create(Replica.random());
    ReplicationNode.ChannelFactory channels =
        name -> InProcessChannelBuilder.forName(name).directExecutor().build();
    storeA.update("before", d -> d.set("x", 1)); // caught up on connect
    try (ReplicationNode nodeA = ReplicationNode.start(storeA, config(a, List.of()),
            TlsSettings.plaintext(), InProcessServerBuilder.forName(a).directExecutor(), channels);
        ReplicationNode nodeB = ReplicationNode.start(storeB, config(b, List.of(a)),
            TlsSettings.plaintext(), InProcessServerBuilder.forName(b).directExecutor(),
            channels)) {
      for (int i = 0; i < 100; i++) {
        int n = i;
        (n % 2 == 0 ? storeA : storeB).update("k" + (n % 10), d -> d.increment("n", 1));
      }
      InMemoryReplicaStore[] stores = {storeA, storeB};
      ReplicationNodeTest.awaitConverged(stores, new ReplicationNode[] {nodeA, nodeB},
          Duration.ofSeconds(20));
      assertEquals(11, storeB.size());
      assertEquals(10L, ((Number) storeB.get("k3").get("n")).longValue());
    }
  }

  private static SyncConfig config(String self, List<String> peers) {
    return SyncConfig.builder("in-process").advertisedAddress(self).peers(peers)
        .syncInterval(Duration.ofMillis(200)).build();
  }
}
