package dev.meridian.transport.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.meridian.crdt.Replica;
import dev.meridian.transport.store.InMemoryReplicaStore;
import dev.meridian.transport.sync.PeerStats;
import dev.meridian.transport.sync.SyncConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A replication stream whose connection goes silent without being reset (a partition that drops
 * packets, modelled by a proxy that stops forwarding and keeps both sockets open) is taken as
 * stalled within the idle timeout, abandoned with its connection, dialled again on a new one,
 * and the writes made meanwhile on both sides arrive by catch-up on the new stream.
 */
class StalledStreamTest {
  private static final Logger LOG = LoggerFactory.getLogger(StalledStreamTest.class);
  private static final String CLUSTER = "stall-cluster";

  @TempDir
  static Path certs;

  static TestPki pki;

  private final List<AutoCloseable> closeables = new ArrayList<>();

  @BeforeAll
  static void makeCertificates() throws IOException, GeneralSecurityException {
    pki = new TestPki(certs, "stall-ca");
  }

  @AfterEach
  void closeAll() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
  }

  @Test
  void silentConnection_isTakenAsStalled_redialledOnANewConnection_andCatchesUp()
      throws Exception {
    // Ping interval 500 ms, idle timeout 2 s; no status ack within the test, so the pings alone
    // keep the idle stream alive and their absence alone ends it.
    InMemoryReplicaStore storeA = InMemoryReplicaStore.create(Replica.random());
    InMemoryReplicaStore storeB = InMemoryReplicaStore.create(Replica.random());
    ReplicationNode b = start(storeB, config("replica-b", List.of()), "replica-b",
        new InetSocketAddress("127.0.0.1", 0));
    FreezingProxy proxy = new FreezingProxy(b.port());
    closeables.add(proxy);
    ReplicationNode a = start(storeA, config("replica-a", List.of(proxy.address())), "replica-a",
        null);
    InMemoryReplicaStore[] stores = {storeA, storeB};
    ReplicationNode[] nodes = {a, b};

    storeA.update("before", d -> d.set("v", 1));
    ReplicationNodeTest.awaitConverged(stores, nodes, Duration.ofSeconds(30));
    Thread.sleep(3_000); // longer than the idle timeout, with no write: only pings flow
    assertEquals(0, a.stalls() + b.stalls(), "an idle stream whose pings are answered stays");
    assertEquals(1, a.sessionsOpened());
    assertEquals(1, proxy.accepted());

    proxy.freezeExisting();
    long frozenAt = System.nanoTime();
    storeA.update("during-a", d -> d.set("v", 2)); // pushed into the silent connection
    storeB.update("during-b", d -> d.set("v", 3));

    awaitStall(a, frozenAt, Duration.ofSeconds(4));
    ReplicationNodeTest.awaitConverged(stores, nodes, Duration.ofSeconds(6));
    double convergedAfter = (System.nanoTime() - frozenAt) / 1e9;
    LOG.info("converged {} s after the connection went silent",
        String.format("%.2f", convergedAfter));
    assertEquals(3, storeB.documents().size(), "B holds every write");
    assertEquals(2, a.sessionsOpened(), "one redial, which opened");
    assertEquals(2, proxy.accepted(), "the redial came on a new connection");
    assertTrue(openWith(a) && openWith(b), "a live stream again: " + a.peers() + b.peers());
    assertTrue(convergedAfter < 6, "converged " + convergedAfter + " s after the freeze");
  }

  /** Waits until {@code node} closed a stream as stalled; checks when, against the bound. */
  private static void awaitStall(ReplicationNode node, long since, Duration within)
      throws InterruptedException {
    long deadline = since + within.toNanos();
    while (node.stalls() == 0) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no stall detected within " + within + ": " + node.peers());
      }
      Thread.sleep(20);
    }
    double after = (System.nanoTime() - since) / 1e9;
    LOG.info("stall detected {} s after the connection went silent", String.format("%.2f", after));
    // The idle timeout (2 s) counts from the last frame heard, up to one ping interval and a
    // round trip before the freeze.
    assertTrue(after >= 1.3, "stalled only " + after + " s after the freeze: too eager");
  }

  private static boolean openWith(ReplicationNode node) {
    for (PeerStats p : node.peers()) {
      if (p.state().equals("OPEN")) {
        return true;
      }
    }
    return false;
  }

  private ReplicationNode start(InMemoryReplicaStore store, SyncConfig config, String name,
      InetSocketAddress listen) throws IOException, GeneralSecurityException {
    ReplicationNode n = ReplicationNode.startNetty(store, config, pki.issuePeer(name), listen);
    closeables.add(n);
    return n;
  }

  private static SyncConfig config(String site, List<String> peers) {
    return SyncConfig.builder(CLUSTER)
        .site(site)
        .peers(peers)
        .learnPeers(false) // the proxy is the only way between the two
        .syncInterval(Duration.ofHours(1))
        .pingInterval(Duration.ofMillis(500))
        .idleTimeout(Duration.ofSeconds(2))
        .reconnect(Duration.ofMillis(50), Duration.ofMillis(500))
        .build();
  }
}
