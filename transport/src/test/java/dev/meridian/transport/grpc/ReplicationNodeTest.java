package dev.meridian.transport.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.meridian.crdt.Replica;
import dev.meridian.crdt.ReplicaId;
import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.codec.CrdtCodec;
import dev.meridian.crdt.doc.Document;
import dev.meridian.transport.proto.Delta;
import dev.meridian.transport.proto.DeltaBatch;
import dev.meridian.transport.proto.Hello;
import dev.meridian.transport.proto.ReplicationGrpc;
import dev.meridian.transport.proto.SyncFrame;
import dev.meridian.transport.store.InMemoryReplicaStore;
import dev.meridian.transport.sync.PeerStats;
import dev.meridian.transport.sync.SyncConfig;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replication over real gRPC on 127.0.0.1 with mutual TLS (certificates made here): replicas
 * converge, and every kind of bad peer is refused with a clear status and no state change.
 */
class ReplicationNodeTest {
  private static final String CLUSTER = "test-cluster";

  @TempDir
  static Path certs;

  static TestPki pki;
  static TestPki otherPki;

  private final List<AutoCloseable> closeables = new ArrayList<>();

  @BeforeAll
  static void makeCertificates() throws IOException, GeneralSecurityException {
    pki = new TestPki(certs, "meridian-ca");
    otherPki = new TestPki(certs, "other-ca");
  }

  @AfterEach
  void closeAll() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
  }

  // ---- convergence ------------------------------------------------------------------------------

  @Test
  void start_threeReplicasWithMutualTls_converge() throws Exception {
    int[] ports = {freePort(), freePort(), freePort()};
    InMemoryReplicaStore[] stores = new InMemoryReplicaStore[3];
    ReplicationNode[] nodes = new ReplicationNode[3];
    for (int i = 0; i < 3; i++) {
      stores[i] = InMemoryReplicaStore.create(Replica.random());
      List<String> peers = new ArrayList<>();
      for (int j = 0; j < i; j++) {
        peers.add("127.0.0.1:" + ports[j]); // a chain of dials; learned peers complete the mesh
      }
      nodes[i] = start(stores[i], config("replica-" + i, ports[i], peers),
          pki.issuePeer("replica-" + i), ports[i]);
    }
    Random random = new Random(7);
    for (int w = 0; w < 600; w++) {
      int i = random.nextInt(3);
      String key = "doc" + random.nextInt(25);
      int v = random.nextInt(1000);
      stores[i].update(key, d -> switch (v % 4) {
        case 0 -> d.set("title", "t" + v);
        case 1 -> d.increment("views", 1);
        case 2 -> d.add("tags", "g" + (v % 7));
        default -> d.removeElement("tags", "g" + (v % 7));
      });
    }
    awaitConverged(stores, nodes, Duration.ofSeconds(30));
    awaitNoLag(nodes, Duration.ofSeconds(5)); // lag is what peers last reported: one ack away
    for (ReplicationNode n : nodes) {
      long moved = 0;
      for (PeerStats p : n.peers()) {
        if (p.state().equals("OPEN")) {
          assertEquals(0, p.lagDots(), "lag after convergence: " + p);
          assertTrue(p.lastContactNanos() > 0, "contact recorded: " + p);
          assertTrue(p.bytesIn() > 0 && p.bytesOut() > 0, "bytes counted: " + p);
          moved += p.deltasIn() + p.deltasOut(); // a stream opened late may have carried none
        }
      }
      assertTrue(moved > 0, "deltas moved: " + n.peers());
      assertEquals(0, n.refusals());
    }
    // the chain A <- B <- C plus learned peers gives every replica both others
    for (ReplicationNode n : nodes) {
      long open = n.peers().stream().filter(p -> p.state().equals("OPEN")).count();
      assertEquals(2, open, "open sessions of a node: " + n.peers());
    }
  }

  // ---- refusals ---------------------------------------------------------------------------------

  @Test
  void start_peerWithCertificateFromAnotherCa_isRefused() throws Exception {
    Fixture f = fixture();
    RawPeer peer = RawPeer.open(f.port, otherPki.issuePeer("intruder"), pki.caFile());
    peer.send(hello(CLUSTER, "intruder"));
    Status s = peer.awaitStatus();
    assertEquals(Status.Code.UNAVAILABLE, s.getCode(), s.toString());
    f.assertUnchanged();
    assertTrue(f.node.peers().isEmpty(), "no session was created");
  }

  @Test
  void start_plaintextPeer_isRefused() throws Exception {
    Fixture f = fixture();
    RawPeer peer = RawPeer.open(f.port, TlsSettings.plaintext(), null);
    peer.send(hello(CLUSTER, "plain"));
    Status s = peer.awaitStatus();
    assertEquals(Status.Code.UNAVAILABLE, s.getCode(), s.toString());
    f.assertUnchanged();
    assertTrue(f.node.peers().isEmpty(), "no session was created");
  }

  @Test
  void start_peerOfAnotherCluster_isRefused() throws Exception {
    Fixture f = fixture();
    RawPeer peer = RawPeer.open(f.port, pki.issuePeer("stranger"), pki.caFile());
    peer.send(hello("another-cluster", "stranger"));
    Status s = peer.awaitStatus();
    assertEquals(Status.Code.FAILED_PRECONDITION, s.getCode(), s.toString());
    assertTrue(s.getDescription().contains("cluster id mismatch"), s.toString());
    SyncFrame goodbye = peer.frames.poll(5, TimeUnit.SECONDS);
    assertNotNull(goodbye);
    assertTrue(goodbye.hasGoodbye(), "answered with a Goodbye: " + goodbye);
    f.assertUnchanged();
    assertEquals(1, f.node.refusals());
  }

  @Test
  void start_peerNotOnTheAllowlist_isRefused() throws Exception {
    int port = freePort();
    InMemoryReplicaStore store = InMemoryReplicaStore.create(Replica.random());
    store.update("a", d -> d.set("x", 1));
    ReplicationNode node = start(store, config("replica-a", port, List.of()),
        pki.issuePeer("replica-a").allowing(Set.of("replica-b")), port);
    RawPeer peer = RawPeer.open(port, pki.issuePeer("replica-c"), pki.caFile());
    peer.send(hello(CLUSTER, "replica-c"));
    Status s = peer.awaitStatus();
    assertEquals(Status.Code.PERMISSION_DENIED, s.getCode(), s.toString());
    assertTrue(node.peers().isEmpty());
    assertEquals(1, node.refusals());
    RawPeer allowed = RawPeer.open(port, pki.issuePeer("replica-b"), pki.caFile());
    allowed.send(hello(CLUSTER, "replica-b"));
    SyncFrame answer = allowed.frames.poll(5, TimeUnit.SECONDS);
    assertNotNull(answer);
    assertTrue(answer.hasHello(), "an allowed peer gets a Hello: " + answer);
    allowed.close();
  }

  @Test
  void start_oversizedMessage_isRefusedWithoutStateChange() throws Exception {
    Fixture f = fixture();
    RawPeer peer = RawPeer.open(f.port, pki.issuePeer("big"), pki.caFile());
    peer.send(hello(CLUSTER, "big"));
    assertTrue(peer.frames.poll(5, TimeUnit.SECONDS).hasHello());
    Document doc = Document.create(Replica.random());
    Document delta = doc.set("blob", "x".repeat(100_000)); // limit 64 KiB
    peer.send(batch(1, "big", CrdtCodec.encode(delta)));
    Status s = peer.awaitStatus();
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, s.getCode(), s.toString());
    assertTrue(s.getDescription().contains("exceeds the limit of 65536"), s.toString());
    f.assertUnchanged();
    assertEquals(1, f.node.refusals());
  }

  @Test
  void start_messageOverTheHardLimit_isCutWithoutStateChange() throws Exception {
    Fixture f = fixture();
    RawPeer peer = RawPeer.open(f.port, pki.issuePeer("huge"), pki.caFile());
    peer.send(hello(CLUSTER, "huge"));
    assertTrue(peer.frames.poll(5, TimeUnit.SECONDS).hasHello());
    Document doc = Document.create(Replica.random());
    Document delta = doc.set("blob", "x".repeat(1_000_000)); // the hard limit is 128 KiB
    peer.send(batch(1, "huge", CrdtCodec.encode(delta)));
    Status s = peer.awaitStatus();
    // The stream's headers went out with the Hello, so the cut message resets it (a status can
    // only go out before them: InboundLimitsTest).
    assertTrue(!s.isOk(), "the stream failed: " + s);
    f.assertUnchanged();
  }

  @Test
  void start_malformedDelta_isRefusedWithoutStateChange() throws Exception {
    Fixture f = fixture();
    RawPeer peer = RawPeer.open(f.port, pki.issuePeer("garbler"), pki.caFile());
    peer.send(hello(CLUSTER, "garbler"));
    assertTrue(peer.frames.poll(5, TimeUnit.SECONDS).hasHello());
    Document doc = Document.create(Replica.random());
    Document good = doc.set("ok", "fine");
    byte[] bad = CrdtCodec.encode(doc.set("x", "y"));
    bad[bad.length - 3] ^= 0x5a; // corrupt the second delta
    SyncFrame frame = SyncFrame.newBuilder().setBatch(DeltaBatch.newBuilder().setSeq(1)
        .addDeltas(delta("good", CrdtCodec.encode(good)))
        .addDeltas(delta("bad", bad))).build();
    peer.send(frame);
    Status s = peer.awaitStatus();
    assertEquals(Status.Code.INVALID_ARGUMENT, s.getCode(), s.toString());
    assertTrue(s.getDescription().contains("delta 1 (key 'bad')"), s.toString());
    f.assertUnchanged(); // the valid first delta was not applied either
    assertEquals(1, f.node.refusals());
  }

  @Test
  void start_deltaCarryingNoEvent_isRefusedWithoutStateChange() throws Exception {
    Fixture f = fixture();
    RawPeer peer = RawPeer.open(f.port, pki.issuePeer("empty"), pki.caFile());
    peer.send(hello(CLUSTER, "empty"));
    assertTrue(peer.frames.poll(5, TimeUnit.SECONDS).hasHello());
    peer.send(batch(1, "nothing", CrdtCodec.encode(Document.empty())));
    Status s = peer.awaitStatus();
    assertEquals(Status.Code.INVALID_ARGUMENT, s.getCode(), s.toString());
    assertTrue(s.getDescription().contains("carries no event"), s.toString());
    f.assertUnchanged();
  }

  // ---- helpers ----------------------------------------------------------------------------------

  /** A listening replica with one document, and what it held at the start. */
  private final class Fixture {
    final int port;
    final InMemoryReplicaStore store;
    final ReplicationNode node;
    final TreeMap<String, Document> docs;
    final CausalContext context;

    Fixture() throws Exception {
      port = freePort();
      store = InMemoryReplicaStore.create(Replica.random());
      store.update("existing", d -> d.set("x", 1));
      node = start(store, config("replica-a", port, List.of()), pki.issuePeer("replica-a"),
          port);
      docs = store.documents();
      context = store.context();
    }

    void assertUnchanged() {
      assertEquals(docs, store.documents(), "documents changed");
      assertEquals(context, store.context(), "store context changed");
    }
  }

  private Fixture fixture() throws Exception {
    return new Fixture();
  }

  private ReplicationNode start(InMemoryReplicaStore store, SyncConfig config, TlsSettings tls,
      int port) throws IOException {
    ReplicationNode n = ReplicationNode.startNetty(store, config, tls,
        new InetSocketAddress("127.0.0.1", port));
    closeables.add(n);
    return n;
  }

  private static SyncConfig config(String site, int port, List<String> peers) {
    return SyncConfig.builder(CLUSTER)
        .site(site)
        .advertisedAddress("127.0.0.1:" + port)
        .peers(peers)
        .maxMessageBytes(64 << 10)
        .maxBatchBytes(32 << 10)
        .syncInterval(Duration.ofMillis(200))
        .reconnect(Duration.ofMillis(50), Duration.ofSeconds(1))
        .build();
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    }
  }

  static void awaitConverged(InMemoryReplicaStore[] stores, ReplicationNode[] nodes,
      Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      TreeMap<String, Document> first = stores[0].documents();
      boolean same = true;
      for (int i = 1; i < stores.length && same; i++) {
        same = stores[i].documents().equals(first)
            && stores[i].context().equals(stores[0].context());
      }
      if (same) {
        return;
      }
      if (System.nanoTime() > deadline) {
        StringBuilder sb = new StringBuilder("no convergence within " + timeout);
        for (int i = 0; i < stores.length; i++) {
          sb.append("\n replica ").append(i).append(" context ").append(stores[i].context())
              .append("\n  peers ").append(nodes[i].peers());
        }
        throw new AssertionError(sb.toString());
      }
      Thread.sleep(20);
    }
  }

  static void awaitNoLag(ReplicationNode[] nodes, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      boolean none = true;
      for (ReplicationNode n : nodes) {
        for (PeerStats p : n.peers()) {
          none &= p.lagDots() == 0;
        }
      }
      if (none || System.nanoTime() > deadline) {
        return;
      }
      Thread.sleep(20);
    }
  }

  /** A Hello of a new replica of {@code site} (its certificate's site). */
  private static SyncFrame hello(String cluster, String site) {
    return SyncFrame.newBuilder().setHello(Hello.newBuilder()
        .setProtocolVersion(SyncConfig.PROTOCOL_VERSION)
        .setClusterId(cluster)
        .setSite(site)
        .setReplicaId(ReplicaId.random().value())
        .setContext(ByteString.copyFrom(CrdtCodec.encode(new CausalContext())))).build();
  }

  private static SyncFrame batch(long seq, String key, byte[] delta) {
    return SyncFrame.newBuilder().setBatch(DeltaBatch.newBuilder().setSeq(seq)
        .addDeltas(delta(key, delta))).build();
  }

  private static Delta delta(String key, byte[] bytes) {
    return Delta.newBuilder().setKey(key).setDelta(ByteString.copyFrom(bytes)).build();
  }

  /** A hand-driven peer: sends chosen frames, records what comes back and how the call ended. */
  static final class RawPeer implements StreamObserver<SyncFrame>, AutoCloseable {
    final BlockingQueue<SyncFrame> frames = new LinkedBlockingQueue<>();
    final CompletableFuture<Status> status = new CompletableFuture<>();
    private ManagedChannel channel;
    private StreamObserver<SyncFrame> requests;

    static RawPeer open(int port, TlsSettings tls, java.io.File unused) throws IOException {
      RawPeer p = new RawPeer();
      p.channel = Grpc.newChannelBuilder("127.0.0.1:" + port, tls.channelCredentials()).build();
      p.requests = ReplicationGrpc.newStub(p.channel).sync(p);
      return p;
    }

    void send(SyncFrame f) {
      requests.onNext(f);
    }

    Status awaitStatus() throws Exception {
      return status.get(10, TimeUnit.SECONDS);
    }

    @Override
    public void onNext(SyncFrame value) {
      frames.add(value);
    }

    @Override
    public void onError(Throwable t) {
      status.complete(Status.fromThrowable(t));
    }

    @Override
    public void onCompleted() {
      status.complete(Status.OK);
    }

    @Override
    public void close() {
      channel.shutdownNow();
    }
  }
}
