package dev.meridian.transport.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.meridian.crdt.Replica;
import dev.meridian.crdt.ReplicaId;
import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.codec.CrdtCodec;
import dev.meridian.transport.proto.Hello;
import dev.meridian.transport.proto.SyncFrame;
import dev.meridian.transport.store.InMemoryReplicaStore;
import dev.meridian.transport.sync.SiteBindings;
import dev.meridian.transport.sync.SyncConfig;
import io.grpc.Status;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Peer identities under mutual TLS, over real gRPC on 127.0.0.1: a peer is the site its
 * certificate names ({@code meridian-peer:<site>}, exactly one); a certificate naming no site or
 * two, a Hello naming another site, a replica id claimed by a site other than the one it was
 * first seen under, and a client certificate trying to replicate are each refused with
 * PERMISSION_DENIED and a reason, counted, and change nothing, by either end of a stream.
 */
class PeerIdentityTest {
  private static final String CLUSTER = "identity-cluster";

  @TempDir
  static Path certs;

  @TempDir
  Path data;

  static TestPki pki;

  private final List<AutoCloseable> closeables = new ArrayList<>();

  @BeforeAll
  static void makeCertificates() throws Exception {
    pki = new TestPki(certs, "identity-ca");
  }

  @AfterEach
  void closeAll() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
  }

  /** Lisbon: a listening replica with one document, its site bindings in a file. */
  private final class Lisbon {
    final InMemoryReplicaStore store = InMemoryReplicaStore.create(Replica.random());
    final Path bindingsFile = data.resolve("peer-sites");
    final ReplicationNode node;
    final int port;
    final TreeMap<String, dev.meridian.crdt.doc.Document> docs;
    final CausalContext context;

    Lisbon() throws Exception {
      store.update("doc", d -> d.set("city", "Lisbon"));
      port = ReplicationNodeTest.freePort();
      node = ReplicationNode.startNetty(store, SyncConfig.builder(CLUSTER).site("lisbon")
          .siteBindings(SiteBindings.file(bindingsFile))
          .syncInterval(Duration.ofMillis(200)).build(), pki.issuePeer("lisbon"),
          new InetSocketAddress("127.0.0.1", port));
      closeables.add(node);
      docs = store.documents();
      context = store.context();
    }

    /** A raw peer with {@code tls} says Hello as {@code replica} of {@code site}. */
    Status hello(TlsSettings tls, ReplicaId replica, String site, List<SyncFrame> answers)
        throws Exception {
      ReplicationNodeTest.RawPeer peer = ReplicationNodeTest.RawPeer.open(port, tls, null);
      closeables.add(peer);
      peer.send(SyncFrame.newBuilder().setHello(Hello.newBuilder()
          .setProtocolVersion(SyncConfig.PROTOCOL_VERSION).setClusterId(CLUSTER)
          .setReplicaId(replica.value()).setSite(site)
          .setContext(ByteString.copyFrom(CrdtCodec.encode(new CausalContext())))).build());
      SyncFrame f;
      while ((f = peer.frames.poll(5, TimeUnit.SECONDS)) != null) {
        answers.add(f);
        if (f.hasGoodbye() || f.hasBatch()) {
          break;
        }
      }
      if (!answers.isEmpty() && answers.get(answers.size() - 1).hasBatch()) {
        peer.close();
        return Status.OK;
      }
      return peer.awaitStatus();
    }

    void assertUnchanged() {
      assertEquals(docs, store.documents(), "documents changed");
      assertEquals(context, store.context(), "store context changed");
    }
  }

  private static SyncFrame goodbye(List<SyncFrame> frames) {
    return frames.stream().filter(SyncFrame::hasGoodbye).findFirst().orElse(null);
  }

  @Test
  void hello_naming_anotherSiteThanTheCertificate_isRefused() throws Exception {
    Lisbon l = new Lisbon();
    List<SyncFrame> answers = new ArrayList<>();
    // Porto's certificate, a Hello that says it is Faro.
    Status s = l.hello(pki.issuePeer("porto"), ReplicaId.random(), "faro", answers);
    assertEquals(Status.Code.PERMISSION_DENIED, s.getCode(), s.toString());
    assertTrue(s.getDescription().contains("names site 'faro', but its certificate names site "
        + "'porto'"), s.toString());
    SyncFrame bye = goodbye(answers);
    assertNotNull(bye, "a Goodbye with the reason: " + answers);
    assertEquals(Status.Code.PERMISSION_DENIED.value(), bye.getGoodbye().getCode());
    assertTrue(answers.stream().noneMatch(SyncFrame::hasBatch), "nothing sent to an impostor");
    assertEquals(Map.of("impersonation", 1L), l.node.refusalsByKind());
    l.assertUnchanged();
    assertEquals(List.of(), Files.exists(l.bindingsFile) ? Files.readAllLines(l.bindingsFile)
        : List.of(), "no binding recorded for a refused Hello");
  }

  @Test
  void replicaId_seenUnderOneSite_cannotBeClaimedByAnother_evenAfterARestart() throws Exception {
    ReplicaId porto = ReplicaId.random();
    {
      Lisbon l = new Lisbon();
      List<SyncFrame> answers = new ArrayList<>();
      Status ok = l.hello(pki.issuePeer("porto"), porto, "porto", answers);
      assertEquals(Status.Code.OK, ok.getCode(), ok + " " + answers);
      assertTrue(answers.get(0).hasHello(), "porto is answered: " + answers);
      closeAll();
      closeables.clear();
    }
    // Lisbon restarts: the binding is in its file.
    Lisbon l = new Lisbon();
    assertEquals("porto", SiteBindings.file(l.bindingsFile).siteOf(porto));
    List<SyncFrame> answers = new ArrayList<>();
    // Faro, with a valid certificate for Faro, claims Porto's replica id.
    Status s = l.hello(pki.issuePeer("faro"), porto, "faro", answers);
    assertEquals(Status.Code.PERMISSION_DENIED, s.getCode(), s.toString());
    assertTrue(s.getDescription().contains("replica " + porto + " belongs to site 'porto', it "
        + "cannot be claimed by site 'faro'"), s.toString());
    assertNotNull(goodbye(answers));
    assertEquals(Map.of("impersonation", 1L), l.node.refusalsByKind());
    l.assertUnchanged();
    // Faro with its own new replica id is welcome; Porto with a new data directory too.
    answers.clear();
    assertEquals(Status.Code.OK, l.hello(pki.issuePeer("faro"), ReplicaId.random(), "faro",
        answers).getCode(), answers.toString());
  }

  @Test
  void clientCertificate_cannotReplicate() throws Exception {
    Lisbon l = new Lisbon();
    List<SyncFrame> answers = new ArrayList<>();
    Status s = l.hello(pki.issueClient("ada"), ReplicaId.random(), "", answers);
    assertEquals(Status.Code.PERMISSION_DENIED, s.getCode(), s.toString());
    assertTrue(s.getDescription().contains("client certificates cannot replicate"),
        s.toString());
    assertTrue(answers.isEmpty(), "refused before any frame: " + answers);
    l.assertUnchanged();
  }

  @Test
  void certificateWithoutSite_cannotReplicate() throws Exception {
    Lisbon l = new Lisbon();
    List<SyncFrame> answers = new ArrayList<>();
    // A certificate of the CA naming only CN and DNS names, and a Hello naming the CN as site.
    Status s = l.hello(pki.issueWithoutSite("osaka"), ReplicaId.random(), "osaka", answers);
    assertEquals(Status.Code.PERMISSION_DENIED, s.getCode(), s.toString());
    assertTrue(s.getDescription().startsWith("the certificate names no site: a certificate "
        + "replicates only if it carries exactly one URI subject alternative name "
        + "meridian-peer:<site>"), s.toString());
    assertTrue(s.getDescription().contains("osaka"), "names what the certificate names: " + s);
    assertTrue(answers.isEmpty(), "refused before any frame: " + answers);
    assertEquals(Map.of("certificate", 1L), l.node.refusalsByKind());
    assertEquals(1, l.node.identityRefusals());
    l.assertUnchanged();
    assertFalse(Files.exists(l.bindingsFile), "no binding recorded for a refused peer");
  }

  @Test
  void certificateNamingTwoSites_cannotReplicate() throws Exception {
    Lisbon l = new Lisbon();
    TestPki.Leaf two = pki.issueFiles("porto", List.of(TlsSettings.PEER_SCHEME + "porto",
        TlsSettings.PEER_SCHEME + "faro"));
    List<SyncFrame> answers = new ArrayList<>();
    Status s = l.hello(TlsSettings.mutual(two.cert(), two.key(), pki.caFile()),
        ReplicaId.random(), "porto", answers);
    assertEquals(Status.Code.PERMISSION_DENIED, s.getCode(), s.toString());
    assertTrue(s.getDescription().contains("names 2 sites ([porto, faro]); a peer certificate "
        + "names one"), s.toString());
    assertTrue(answers.isEmpty(), "refused before any frame: " + answers);
    assertEquals(Map.of("certificate", 1L), l.node.refusalsByKind());
    l.assertUnchanged();
  }

  @Test
  void dialledServer_whoseCertificateNamesNoSite_isToldInAGoodbye_andNothingIsTaken()
      throws Exception {
    // A hand-driven server with a certificate of the CA that names no site: it answers a Hello
    // with a Hello and a batch, and records what the dialler sends.
    java.util.concurrent.BlockingQueue<SyncFrame> received =
        new java.util.concurrent.LinkedBlockingQueue<>();
    InMemoryReplicaStore theirs = InMemoryReplicaStore.create(Replica.random());
    theirs.update("theirs", d -> d.set("x", 1));
    io.grpc.Server raw = io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder.forAddress(
        new InetSocketAddress("127.0.0.1", 0), pki.issueWithoutSite("osaka").serverCredentials())
        .addService(new dev.meridian.transport.proto.ReplicationGrpc.ReplicationImplBase() {
          @Override
          public io.grpc.stub.StreamObserver<SyncFrame> sync(
              io.grpc.stub.StreamObserver<SyncFrame> out) {
            return new io.grpc.stub.StreamObserver<>() {
              @Override
              public void onNext(SyncFrame f) {
                received.add(f);
                if (f.hasHello()) {
                  out.onNext(SyncFrame.newBuilder().setHello(Hello.newBuilder()
                      .setProtocolVersion(SyncConfig.PROTOCOL_VERSION).setClusterId(CLUSTER)
                      .setReplicaId(theirs.replicaId().value()).setSite("osaka")
                      .setContext(ByteString.copyFrom(CrdtCodec.encode(theirs.context()))))
                      .build());
                  out.onNext(SyncFrame.newBuilder().setBatch(
                      dev.meridian.transport.proto.DeltaBatch.newBuilder().setSeq(1)
                          .addDeltas(dev.meridian.transport.proto.Delta.newBuilder()
                              .setKey("theirs").setDelta(ByteString.copyFrom(CrdtCodec.encode(
                                  theirs.get("theirs")))))).build());
                }
              }

              @Override
              public void onError(Throwable t) {}

              @Override
              public void onCompleted() {
                out.onCompleted();
              }
            };
          }
        }).build().start();
    closeables.add(() -> raw.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    InMemoryReplicaStore faro = InMemoryReplicaStore.create(Replica.random());
    ReplicationNode dialler = ReplicationNode.startNetty(faro, SyncConfig.builder(CLUSTER)
        .site("faro").peers(List.of("127.0.0.1:" + raw.getPort())).build(),
        pki.issuePeer("faro"), null);
    closeables.add(dialler);
    SyncFrame bye = null;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (bye == null && System.nanoTime() < deadline) {
      SyncFrame f = received.poll(100, TimeUnit.MILLISECONDS);
      if (f != null && f.hasGoodbye()) {
        bye = f;
      }
    }
    assertNotNull(bye, "the dialler says Goodbye to a server it refuses");
    assertEquals(Status.Code.PERMISSION_DENIED.value(), bye.getGoodbye().getCode());
    assertTrue(bye.getGoodbye().getReason().startsWith("the certificate names no site"),
        bye.toString());
    assertNull(faro.get("theirs"), "nothing taken from a server the dialler refused");
    assertEquals(0, dialler.sessionsOpened());
    assertTrue(dialler.refusalsByKind().getOrDefault("certificate", 0L) >= 1,
        dialler.refusalsByKind().toString());
  }

  @Test
  void dialledServer_whoseHelloNamesAnotherSite_isRefusedByTheDialler() throws Exception {
    // Porto listens with Porto's certificate but says it is Lisbon's site "lisbon".
    InMemoryReplicaStore portoStore = InMemoryReplicaStore.create(Replica.random());
    portoStore.update("porto-doc", d -> d.set("x", 1));
    int port = ReplicationNodeTest.freePort();
    ReplicationNode liar = ReplicationNode.startNetty(portoStore, SyncConfig.builder(CLUSTER)
        .site("lisbon").build(), pki.issuePeer("porto"), new InetSocketAddress("127.0.0.1", port));
    closeables.add(liar);
    InMemoryReplicaStore faro = InMemoryReplicaStore.create(Replica.random());
    ReplicationNode dialler = ReplicationNode.startNetty(faro, SyncConfig.builder(CLUSTER)
        .site("faro").peers(List.of("127.0.0.1:" + port)).build(), pki.issuePeer("faro"), null);
    closeables.add(dialler);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (dialler.refusalsByKind().getOrDefault("impersonation", 0L) == 0
        && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertTrue(dialler.refusalsByKind().getOrDefault("impersonation", 0L) >= 1,
        dialler.refusalsByKind().toString());
    assertNull(faro.get("porto-doc"), "nothing taken from an impostor");
    assertEquals(0, dialler.sessionsOpened());
  }

  @Test
  void matchingSites_replicate() throws Exception {
    Lisbon l = new Lisbon();
    InMemoryReplicaStore porto = InMemoryReplicaStore.create(Replica.random());
    ReplicationNode p = ReplicationNode.startNetty(porto, SyncConfig.builder(CLUSTER)
        .site("porto").peers(List.of("127.0.0.1:" + l.port)).build(), pki.issuePeer("porto"),
        null);
    closeables.add(p);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (porto.get("doc") == null && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertNotNull(porto.get("doc"), "lisbon's document reached porto");
    assertEquals(Map.of(), l.node.refusalsByKind());
    assertEquals(0, l.node.refusals());
    assertEquals(List.of(porto.replicaId() + " porto"), Files.readAllLines(l.bindingsFile));
  }

  /**
   * Porto's Hello names the address it dialled, which is lisbon's own: lisbon, which has no
   * advertised address to recognise it by, learns it and dials itself. Its own Hello comes back
   * and the session is closed as a connection to itself, which is no refusal of a peer's frame.
   * Found by {@link #matchingSites_replicate} in CI: were such a dial counted as a refused frame
   * (kind "frame"), that test's checks would fail whenever the dial completes before them.
   */
  @Test
  void learnedOwnAddress_isDialledOnce_andCountsNoRefusal() throws Exception {
    Lisbon l = new Lisbon();
    InMemoryReplicaStore porto = InMemoryReplicaStore.create(Replica.random());
    ReplicationNode p = ReplicationNode.startNetty(porto, SyncConfig.builder(CLUSTER)
        .site("porto").peers(List.of("127.0.0.1:" + l.port)).build(), pki.issuePeer("porto"),
        null);
    closeables.add(p);
    String own = "127.0.0.1:" + l.port;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (l.node.knownAddresses().stream().noneMatch(k -> k.address().equals(own) && k.self())
        && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertTrue(l.node.knownAddresses().stream().anyMatch(k -> k.address().equals(own)
        && k.self()), () -> "lisbon found its own address: " + l.node.knownAddresses());
    assertNotNull(porto.get("doc"), "lisbon's document reached porto");
    assertEquals(Map.of(), l.node.refusalsByKind());
    assertEquals(0, l.node.refusals());
    assertEquals(List.of(porto.replicaId() + " porto"), Files.readAllLines(l.bindingsFile),
        "lisbon bound no site to its own replica id");
  }
}
