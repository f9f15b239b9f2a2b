package dev.meridian.benchmarks.replication;

import dev.meridian.crdt.Replica;
import dev.meridian.crdt.clock.Dot;
import dev.meridian.transport.grpc.ReplicationNode;
import dev.meridian.transport.grpc.TestPki;
import dev.meridian.transport.grpc.TlsSettings;
import dev.meridian.transport.store.InMemoryReplicaStore;
import dev.meridian.transport.sync.PeerStats;
import dev.meridian.transport.sync.SyncConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Replicas on 127.0.0.1, each with its own in-memory store and {@link ReplicationNode}, in a full
 * mesh of explicit dials (replica i dials every j below it), optionally through {@link
 * CountingProxy} relays that count the bytes on every link.
 */
final class LoopbackCluster implements AutoCloseable {
  private final int n;
  private final TlsSettings[] tls;
  private final int[] ports;
  private final CountingProxy[][] proxies;
  final InMemoryReplicaStore[] stores;
  private final ObservedStore[] observed;
  private final ReplicationNode[] nodes;
  private final Function<SyncConfig.Builder, SyncConfig.Builder> tuning;

  LoopbackCluster(int n, boolean secure, boolean proxied, Path certs, LatencyTracker tracker,
      Function<SyncConfig.Builder, SyncConfig.Builder> tuning)
      throws IOException, GeneralSecurityException {
    this.n = n;
    this.tuning = tuning;
    this.tls = new TlsSettings[n];
    this.ports = new int[n];
    this.proxies = new CountingProxy[n][n];
    this.stores = new InMemoryReplicaStore[n];
    this.observed = new ObservedStore[n];
    this.nodes = new ReplicationNode[n];
    TestPki pki = secure ? new TestPki(certs, "bench-ca-" + System.nanoTime()) : null;
    for (int i = 0; i < n; i++) {
      tls[i] = secure ? pki.issuePeer("replica-" + i) : TlsSettings.plaintext();
      ports[i] = freePort();
      stores[i] = InMemoryReplicaStore.create(Replica.random());
      observed[i] = new ObservedStore(stores[i], tracker);
    }
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < i; j++) {
        proxies[i][j] = proxied ? new CountingProxy(ports[j]) : null;
      }
    }
    for (int i = 0; i < n; i++) {
      start(i);
    }
  }

  /** Starts (or restarts, on the same store) replica {@code i}. */
  void start(int i) throws IOException {
    List<String> peers = new ArrayList<>();
    for (int j = 0; j < i; j++) {
      int port = proxies[i][j] != null ? proxies[i][j].port() : ports[j];
      peers.add("127.0.0.1:" + port);
    }
    SyncConfig config = tuning.apply(SyncConfig.builder("bench")
        .site("replica-" + i) // the site its certificate names
        .advertisedAddress("127.0.0.1:" + ports[i])
        .peers(peers)
        .learnPeers(false)
        .reconnect(Duration.ofMillis(50), Duration.ofSeconds(1))).build();
    nodes[i] = ReplicationNode.startNetty(observed[i], config, tls[i],
        new InetSocketAddress(InetAddress.getLoopbackAddress(), ports[i]));
  }

  /** Stops replica {@code i}; its store stays. */
  void stop(int i) {
    nodes[i].close();
    nodes[i] = null;
  }

  /** The dot replica {@code i}'s next single-dot write will mint. */
  Dot nextDot(int i) {
    Replica r = stores[i].replica();
    return new Dot(r.id(), r.lastCounter() + 1);
  }

  /** True if the given replicas hold the same events. */
  boolean converged(int... which) {
    int[] ids = which.length == 0 ? all() : which;
    var first = stores[ids[0]].context();
    for (int k = 1; k < ids.length; k++) {
      if (!stores[ids[k]].context().equals(first)) {
        return false;
      }
    }
    return true;
  }

  /** Waits until {@link #converged}; returns the nanoTime when it was seen. */
  long awaitConverged(Duration timeout, int... which) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!converged(which)) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("no convergence within " + timeout);
      }
      Thread.sleep(2);
    }
    return System.nanoTime();
  }

  /** Frame bytes sent by all running replicas' current sessions. */
  long frameBytesOut() {
    long b = 0;
    for (ReplicationNode node : nodes) {
      if (node != null) {
        for (PeerStats p : node.peers()) {
          b += p.bytesOut();
        }
      }
    }
    return b;
  }

  /** Frame bytes replica {@code i} received and sent on its current sessions. */
  long[] frameBytes(int i) {
    long in = 0;
    long out = 0;
    for (PeerStats p : nodes[i].peers()) {
      in += p.bytesIn();
      out += p.bytesOut();
    }
    return new long[] {in, out};
  }

  /** Socket bytes through every proxy (0 without proxies). */
  long socketBytes() {
    long b = 0;
    for (CountingProxy[] row : proxies) {
      for (CountingProxy p : row) {
        b += p == null ? 0 : p.bytes();
      }
    }
    return b;
  }

  /** Socket bytes through the proxies of links that replica {@code i} dials. */
  long socketBytesDialledBy(int i) {
    long b = 0;
    for (CountingProxy p : proxies[i]) {
      b += p == null ? 0 : p.bytes();
    }
    return b;
  }

  int size() {
    return n;
  }

  private int[] all() {
    int[] a = new int[n];
    for (int i = 0; i < n; i++) {
      a[i] = i;
    }
    return a;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Override
  public void close() throws IOException {
    for (ReplicationNode node : nodes) {
      if (node != null) {
        node.close();
      }
    }
    for (CountingProxy[] row : proxies) {
      for (CountingProxy p : row) {
        if (p != null) {
          p.close();
        }
      }
    }
  }
}
