package dev.meridian.peer.access;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.meridian.peer.PromText;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.meridian.crdt.Replica;
import dev.meridian.crdt.doc.Document;
import dev.meridian.peer.Meridian;
import dev.meridian.peer.daemon.MetricsServer;
import dev.meridian.peer.proto.DeleteRequest;
import dev.meridian.peer.proto.DocumentsGrpc;
import dev.meridian.peer.proto.GetRequest;
import dev.meridian.peer.proto.ListRequest;
import dev.meridian.peer.proto.Operation;
import dev.meridian.peer.proto.StatusRequest;
import dev.meridian.peer.proto.UpdateBatchRequest;
import dev.meridian.peer.proto.UpdateRequest;
import dev.meridian.peer.proto.WatchEvent;
import dev.meridian.peer.proto.WatchRequest;
import dev.meridian.transport.grpc.ReplicationNode;
import dev.meridian.transport.grpc.TestPki;
import dev.meridian.transport.grpc.TlsSettings;
import dev.meridian.transport.proto.ReplicationGrpc;
import dev.meridian.transport.proto.SyncFrame;
import dev.meridian.transport.store.InMemoryReplicaStore;
import dev.meridian.transport.sync.SyncConfig;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.io.File;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Who may do what on a peer's port, over real gRPC and HTTP on 127.0.0.1 under mutual TLS with an
 * access file: every RPC of the client API, for each kind of caller (no token, a wrong token, a
 * revoked token, a read-only token, a token for another prefix, a writer, an admin, client and
 * peer certificates listed or not, an expired certificate, one of another CA), and replication by
 * a client certificate, a certificate naming no site, a plaintext peer, and a real peer. Every
 * refusal has its status, exactly one audit line and one count, and leaves the documents as they
 * were; the allowed cases work. A refused TLS handshake (expired, another CA, plaintext) has its
 * own audit line and count ({@code tls-handshake}).
 */
class AccessMatrixTest {
  private static final String CLUSTER = "matrix";

  @TempDir static Path dir;

  static TestPki pki;
  static TestPki otherCa;
  static Meridian peer;
  static MetricsServer metrics;
  static Path accessFile;
  static final Map<String, String> TOKENS = new LinkedHashMap<>();
  static final ListAppender<ILoggingEvent> AUDIT = new ListAppender<>();
  static final List<AutoCloseable> CLOSE = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    pki = new TestPki(dir, "matrix-ca");
    otherCa = new TestPki(dir, "other-ca");
    for (String name : List.of("admin", "writer", "reader", "users-reader", "revoked")) {
      TOKENS.put(name, Tokens.generate());
    }
    accessFile = dir.resolve("access.txt");
    writeAccess(true);
    Logger audit = (Logger) LoggerFactory.getLogger(AccessControl.AUDIT_LOGGER);
    audit.setLevel(ch.qos.logback.classic.Level.INFO);
    AUDIT.start();
    audit.addAppender(AUDIT);
    TlsSettings server = pki.issuePeer("lisbon");
    peer = Meridian.builder().dataDir(dir.resolve("data")).site("lisbon").cluster(CLUSTER)
        .listen("127.0.0.1:0").tls(server)
        .accessControl(AccessControl.watching(accessFile, Duration.ofMillis(50))).open();
    metrics = MetricsServer.start(peer, new InetSocketAddress("127.0.0.1", 0));
    peer.update("carts/1", d -> d.set("items", 2)).join();
    peer.update("users/ada", d -> d.set("name", "Ada")).join();
  }

  @AfterAll
  static void stop() throws Exception {
    for (int i = CLOSE.size() - 1; i >= 0; i--) {
      CLOSE.get(i).close();
    }
    metrics.close();
    peer.close();
  }

  static void writeAccess(boolean withRevoked) throws Exception {
    StringBuilder b = new StringBuilder("# the matrix's access file\n");
    b.append(token("admin", "admin:*"));
    b.append(token("writer", "write:carts/*"));
    b.append(token("reader", "read:carts/*"));
    b.append(token("users-reader", "read:users/*"));
    if (withRevoked) {
      b.append(token("revoked", "write:carts/*"));
    }
    b.append("client billing read:carts/*\n");
    b.append("peer faro read:*\n");
    // Replaced atomically, as docs/security.md asks: the watcher never reads half a file.
    Path tmp = accessFile.resolveSibling("access.txt.tmp");
    Files.writeString(tmp, b.toString());
    Files.move(tmp, accessFile, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  private static String token(String name, String grants) {
    return "token " + name + " sha256:" + Tokens.sha256Hex(TOKENS.get(name)) + " " + grants + "\n";
  }

  // ---- callers ----------------------------------------------------------------------------------

  /** A caller: a certificate to present (mutual TLS needs one) and maybe a token. */
  record Caller(String label, TestPki.Leaf cert, File ca, String token) {}

  static final Map<String, TestPki.Leaf> LEAVES = new LinkedHashMap<>();

  static TestPki.Leaf leaf(String name, String uri) throws Exception {
    String k = name + "|" + uri;
    if (!LEAVES.containsKey(k)) {
      LEAVES.put(k, pki.issueFiles(name, uri));
    }
    return LEAVES.get(k);
  }

  /** A certificate of the CA naming no identity: the token decides who the caller is. */
  static Caller withToken(String label, String token) throws Exception {
    return new Caller(label, leaf("anonymous", null), pki.caFile(), token);
  }

  static DocumentsGrpc.DocumentsBlockingStub stub(Caller c) throws Exception {
    TlsChannelCredentials.Builder creds = TlsChannelCredentials.newBuilder()
        .trustManager(pki.caFile()).keyManager(c.cert().cert(), c.cert().key());
    ManagedChannel ch = NettyChannelBuilder.forTarget(peer.listenAddress(), creds.build())
        .build();
    CLOSE.add(() -> ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    DocumentsGrpc.DocumentsBlockingStub s = DocumentsGrpc.newBlockingStub(ch);
    if (c.token() != null) {
      Metadata h = new Metadata();
      h.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER),
          "Bearer " + c.token());
      s = s.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(h));
    }
    return s;
  }

  // ---- the RPCs ---------------------------------------------------------------------------------

  static final Operation SET = Operation.newBuilder().setSet(dev.meridian.peer.proto.Set
      .newBuilder().setPath("items").setValueJson("99")).build();

  /** Every RPC of the Documents service, on keys under {@code carts/}. */
  static final Map<String, Function<DocumentsGrpc.DocumentsBlockingStub, Object>> RPCS =
      new LinkedHashMap<>();

  static {
    RPCS.put("Get", s -> s.get(GetRequest.newBuilder().setKey("carts/1").build()));
    RPCS.put("List", s -> s.list(ListRequest.newBuilder().setPrefix("carts/").build()));
    RPCS.put("Watch", s -> {
      Iterator<WatchEvent> it = s.withDeadlineAfter(300, TimeUnit.MILLISECONDS)
          .watch(WatchRequest.newBuilder().setPrefix("carts/").build());
      try {
        return it.hasNext();
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED) {
          return "watching"; // accepted: the watch was open until the deadline
        }
        throw e;
      }
    });
    RPCS.put("Status", s -> s.status(StatusRequest.getDefaultInstance()));
    RPCS.put("Update", s -> s.update(UpdateRequest.newBuilder().setKey("carts/1")
        .addOperations(SET).build()));
    RPCS.put("UpdateBatch", s -> s.updateBatch(UpdateBatchRequest.newBuilder()
        .addUpdates(UpdateRequest.newBuilder().setKey("carts/2").addOperations(SET))
        .addUpdates(UpdateRequest.newBuilder().setKey("carts/3").addOperations(SET)).build()));
    RPCS.put("Delete", s -> s.delete(DeleteRequest.newBuilder().setKey("carts/3").build()));
    RPCS.put("Backup", s -> {
      Iterator<dev.meridian.peer.proto.BackupChunk> it =
          s.backup(dev.meridian.peer.proto.BackupRequest.getDefaultInstance());
      while (it.hasNext()) {
        if (it.next().getDone()) {
          return "complete";
        }
      }
      return "incomplete";
    });
  }

  @Test
  void matrix_coversEveryMethodOfTheService() {
    Set<String> methods = DocumentsGrpc.getServiceDescriptor().getMethods().stream()
        .map(MethodDescriptor::getBareMethodName).collect(Collectors.toCollection(TreeSet::new));
    assertEquals(methods, new TreeSet<>(RPCS.keySet()), "a method of the API has no row here");
  }

  /** The state a refused call must leave as it was. */
  static String snapshot() {
    StringBuilder b = new StringBuilder();
    for (String k : List.of("carts/1", "carts/2", "carts/3", "users/ada")) {
      b.append(k).append('=').append(peer.get(k).map(Document::toJson).orElse("absent"))
          .append(';');
    }
    return b.append("writes=").append(peer.metrics().writes()).toString();
  }

  /** Refusals of calls and streams; TLS handshakes are counted apart ({@link #handshake}). */
  static long refusalCount() {
    return peer.authRefusals().entrySet().stream().filter(e -> !e.getKey().equals("tls-handshake"))
        .mapToLong(Map.Entry::getValue).sum();
  }

  /** Every audit line so far (the appender appends under its own lock). */
  static List<String> auditLines() {
    synchronized (AUDIT) {
      return AUDIT.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }
  }

  /** Audit lines of refused calls, not of refused TLS handshakes (which come in their own time). */
  static List<String> callAuditLines() {
    return auditLines().stream().filter(l -> !l.startsWith("refused a TLS connection")).toList();
  }

  /**
   * Waits for a refused TLS handshake's audit line saying {@code why}, and for its count; the
   * server writes it when it refuses the handshake, not when the client hears of it.
   */
  static void handshake(String why) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      boolean line = auditLines().stream().anyMatch(
          l -> l.startsWith("refused a TLS connection from /127.0.0.1:") && l.contains(why));
      if (line && peer.authRefusals().getOrDefault("tls-handshake", 0L) > 0) {
        return;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("no audit line of a refused TLS handshake saying '" + why + "': "
        + auditLines());
  }

  /**
   * Runs every RPC as {@code c}; each RPC in {@code allowed} must succeed, each other must fail
   * with {@code refusal} (with one audit line, one count, and no change), its message containing
   * {@code says}.
   */
  static void row(Caller c, Set<String> allowed, Status.Code refusal, String says)
      throws Exception {
    DocumentsGrpc.DocumentsBlockingStub s = stub(c).withDeadlineAfter(10, TimeUnit.SECONDS);
    for (Map.Entry<String, Function<DocumentsGrpc.DocumentsBlockingStub, Object>> rpc
        : RPCS.entrySet()) {
      String where = c.label() + " calling " + rpc.getKey();
      String before = snapshot();
      int lines = callAuditLines().size();
      long counted = refusalCount();
      Status got = Status.OK;
      try {
        assertNotNull(rpc.getValue().apply(s));
      } catch (StatusRuntimeException e) {
        got = e.getStatus();
      }
      if (allowed.contains(rpc.getKey())) {
        assertEquals(Status.Code.OK, got.getCode(), where + ": " + got);
        continue;
      }
      assertEquals(refusal, got.getCode(), where + ": " + got);
      if (says != null) {
        assertTrue(String.valueOf(got.getDescription()).contains(says), where + ": " + got);
      }
      assertEquals(before, snapshot(), where + " changed something");
      if (refusal != Status.Code.UNAVAILABLE) {
        List<String> now = callAuditLines();
        assertEquals(lines + 1, now.size(), where + ": audit lines " + now);
        assertEquals(counted + 1, refusalCount(), where + ": not counted once");
        String line = now.get(now.size() - 1);
        assertTrue(line.contains("meridian.peer.v1.Documents/" + rpc.getKey()), line);
        if (c.token() != null) {
          assertFalse(line.contains(c.token()), "the audit line holds the token: " + line);
        }
      }
    }
  }

  static final Set<String> READS = Set.of("Get", "List", "Watch");
  static final Set<String> WRITES = Set.of("Get", "List", "Watch", "Update", "UpdateBatch",
      "Delete");

  @Test
  void noToken_everyRpcUnauthenticated() throws Exception {
    row(withToken("no token", null), Set.of(), Status.Code.UNAUTHENTICATED, "no credential");
  }

  @Test
  void wrongToken_everyRpcUnauthenticated() throws Exception {
    row(withToken("wrong token", Tokens.generate()), Set.of(), Status.Code.UNAUTHENTICATED,
        "not one this peer accepts");
  }

  @Test
  void malformedAuthorization_unauthenticated() throws Exception {
    DocumentsGrpc.DocumentsBlockingStub s = stub(withToken("basic", null));
    Metadata h = new Metadata();
    h.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Basic YTpi");
    StatusRuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(
        StatusRuntimeException.class, () -> s.withInterceptors(
            MetadataUtils.newAttachHeadersInterceptor(h)).get(GetRequest.newBuilder()
            .setKey("carts/1").build()));
    assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
  }

  @Test
  void readOnlyToken_readsButCannotWrite() throws Exception {
    row(withToken("reader", TOKENS.get("reader")), READS, Status.Code.PERMISSION_DENIED,
        "token 'reader' may not");
  }

  @Test
  void tokenForAnotherPrefix_everyRpcDenied() throws Exception {
    row(withToken("users-reader", TOKENS.get("users-reader")), Set.of(),
        Status.Code.PERMISSION_DENIED, "token 'users-reader' may not");
  }

  @Test
  void writerToken_readsAndWritesItsPrefix_notStatus() throws Exception {
    row(withToken("writer", TOKENS.get("writer")), WRITES, Status.Code.PERMISSION_DENIED,
        "needs admin:*");
    DocumentsGrpc.DocumentsBlockingStub s = stub(withToken("writer", TOKENS.get("writer")));
    StatusRuntimeException other = org.junit.jupiter.api.Assertions.assertThrows(
        StatusRuntimeException.class, () -> s.update(UpdateRequest.newBuilder()
            .setKey("users/ada").addOperations(SET).build()));
    assertEquals(Status.Code.PERMISSION_DENIED, other.getStatus().getCode());
    assertEquals("{\"name\":\"Ada\"}", peer.get("users/ada").orElseThrow().toJson());
    // A batch with one key outside the grant applies none of its updates.
    String before = snapshot();
    StatusRuntimeException batch = org.junit.jupiter.api.Assertions.assertThrows(
        StatusRuntimeException.class, () -> s.updateBatch(UpdateBatchRequest.newBuilder()
            .addUpdates(UpdateRequest.newBuilder().setKey("carts/9").addOperations(SET))
            .addUpdates(UpdateRequest.newBuilder().setKey("users/ada").addOperations(SET))
            .build()));
    assertEquals(Status.Code.PERMISSION_DENIED, batch.getStatus().getCode());
    assertTrue(batch.getStatus().getDescription().contains("'users/ada'"), batch.toString());
    assertEquals(before, snapshot());
    assertTrue(peer.get("carts/9").isEmpty());
  }

  @Test
  void adminToken_everyRpcWorks() throws Exception {
    row(withToken("admin", TOKENS.get("admin")), RPCS.keySet(), Status.Code.OK, null);
  }

  @Test
  void listAndWatch_prefixMustBeCoveredByAReadGrant() throws Exception {
    DocumentsGrpc.DocumentsBlockingStub s = stub(withToken("reader", TOKENS.get("reader")));
    for (String prefix : List.of("", "cart", "users/")) {
      StatusRuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(
          StatusRuntimeException.class,
          () -> s.list(ListRequest.newBuilder().setPrefix(prefix).build()));
      assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode(), prefix);
      StatusRuntimeException w = org.junit.jupiter.api.Assertions.assertThrows(
          StatusRuntimeException.class, () -> s.watch(WatchRequest.newBuilder()
              .setPrefix(prefix).build()).hasNext());
      assertEquals(Status.Code.PERMISSION_DENIED, w.getStatus().getCode(), prefix);
    }
    assertEquals(List.of("carts/1"), s.list(ListRequest.newBuilder().setPrefix("carts/1")
        .build()).getKeysList());
  }

  @Test
  void watch_allowed_seesAChange() throws Exception {
    DocumentsGrpc.DocumentsBlockingStub s = stub(withToken("reader", TOKENS.get("reader")))
        .withDeadlineAfter(10, TimeUnit.SECONDS);
    Iterator<WatchEvent> events = s.watch(WatchRequest.newBuilder().setPrefix("carts/w").build());
    CompletableFuture<WatchEvent> first = CompletableFuture.supplyAsync(events::next);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!first.isDone() && System.nanoTime() < deadline) {
      peer.update("carts/w1", d -> d.set("n", 1)).join();
      Thread.sleep(50);
    }
    assertEquals("carts/w1", first.get(1, TimeUnit.SECONDS).getKey());
  }

  @Test
  void revokedToken_refusedOnceTheFileChanges_withoutARestart() throws Exception {
    String revoked = TOKENS.get("revoked");
    DocumentsGrpc.DocumentsBlockingStub s = stub(withToken("revoked", revoked));
    s.update(UpdateRequest.newBuilder().setKey("carts/r").addOperations(SET).build());
    writeAccess(false);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (peer.accessControl().orElseThrow().rules().token(Tokens.sha256Hex(revoked))
        .isPresent() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    try {
      row(withToken("revoked token", revoked), Set.of(), Status.Code.UNAUTHENTICATED,
          "revoked");
    } finally {
      writeAccess(true);
      long back = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (peer.accessControl().orElseThrow().rules().token(Tokens.sha256Hex(revoked))
          .isEmpty() && System.nanoTime() < back) {
        Thread.sleep(20); // the other tests expect the full file again
      }
    }
  }

  @Test
  void clientCertificate_listed_readsItsPrefix() throws Exception {
    row(new Caller("client billing", leaf("billing", TlsSettings.CLIENT_SCHEME + "billing"),
        pki.caFile(), null), READS, Status.Code.PERMISSION_DENIED,
        "client certificate 'billing' may not");
  }

  @Test
  void clientCertificate_notListed_everyRpcDenied() throws Exception {
    row(new Caller("client stranger", leaf("stranger", TlsSettings.CLIENT_SCHEME + "stranger"),
        pki.caFile(), null), Set.of(), Status.Code.PERMISSION_DENIED, "grants nothing");
  }

  @Test
  void peerCertificate_onTheClientApi_deniedUnlessGranted() throws Exception {
    row(new Caller("peer porto", leaf("porto", TlsSettings.PEER_SCHEME + "porto"), pki.caFile(),
        null), Set.of(), Status.Code.PERMISSION_DENIED, "may not use the client API");
    row(new Caller("peer faro", leaf("faro", TlsSettings.PEER_SCHEME + "faro"), pki.caFile(),
        null), READS, Status.Code.PERMISSION_DENIED, "peer certificate 'faro' may not");
  }

  @Test
  void expiredCertificate_refusedByTls() throws Exception {
    row(new Caller("expired", pki.issueExpiredFiles("late", TlsSettings.CLIENT_SCHEME
        + "billing"), pki.caFile(), TOKENS.get("admin")), Set.of(), Status.Code.UNAVAILABLE,
        null);
    handshake("its certificate has expired");
  }

  @Test
  void certificateOfAnotherCa_refusedByTls() throws Exception {
    row(new Caller("other CA", otherCa.issueFiles("billing", TlsSettings.CLIENT_SCHEME
        + "billing"), pki.caFile(), TOKENS.get("admin")), Set.of(), Status.Code.UNAVAILABLE,
        null);
    handshake("not issued by a CA this peer trusts");
  }

  // ---- replication ------------------------------------------------------------------------------

  /** Opens a raw Sync stream with {@code leaf} and returns how the server ends it. */
  static Status syncAs(TestPki.Leaf leaf) throws Exception {
    ManagedChannel ch = NettyChannelBuilder.forTarget(peer.listenAddress(),
        TlsChannelCredentials.newBuilder().trustManager(pki.caFile())
            .keyManager(leaf.cert(), leaf.key()).build()).build();
    try {
      CompletableFuture<Status> end = new CompletableFuture<>();
      ReplicationGrpc.newStub(ch).sync(new StreamObserver<SyncFrame>() {
        @Override
        public void onNext(SyncFrame f) {}

        @Override
        public void onError(Throwable t) {
          end.complete(Status.fromThrowable(t));
        }

        @Override
        public void onCompleted() {
          end.complete(Status.OK);
        }
      });
      return end.get(10, TimeUnit.SECONDS);
    } finally {
      ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void clientCertificate_cannotReplicate() throws Exception {
    String before = snapshot();
    long refused = peer.authRefusals().getOrDefault("replication-certificate", 0L);
    Status s = syncAs(leaf("billing", TlsSettings.CLIENT_SCHEME + "billing"));
    assertEquals(Status.Code.PERMISSION_DENIED, s.getCode(), s.toString());
    assertTrue(s.getDescription().contains("client certificates cannot replicate"), s.toString());
    assertEquals(refused + 1, peer.authRefusals().get("replication-certificate"));
    assertEquals(before, snapshot());
  }

  @Test
  void certificateNamingNoSite_cannotReplicate() throws Exception {
    String before = snapshot();
    Status s = syncAs(leaf("anonymous", null));
    assertEquals(Status.Code.PERMISSION_DENIED, s.getCode(), s.toString());
    assertTrue(s.getDescription().startsWith("the certificate names no site"), s.toString());
    assertTrue(peer.replicationRefusals().getOrDefault("certificate", 0L) >= 1,
        peer.replicationRefusals().toString());
    assertEquals(before, snapshot());
  }

  @Test
  void plaintextPeerDiallingTlsPeer_getsNothingAndChangesNothing() throws Exception {
    String before = snapshot();
    InMemoryReplicaStore store = InMemoryReplicaStore.create(Replica.random());
    store.update("carts/plain", d -> d.set("x", 1));
    try (ReplicationNode n = ReplicationNode.startNetty(store, SyncConfig.builder(CLUSTER)
        .site("plain").peers(List.of(peer.listenAddress())).build(), TlsSettings.plaintext(),
        null)) {
      Thread.sleep(1500);
      assertEquals(0, n.sessionsOpened());
      assertEquals(Optional.empty(), Optional.ofNullable(store.get("carts/1")));
    }
    handshake("it does not speak TLS");
    assertEquals(before, snapshot());
    assertTrue(peer.get("carts/plain").isEmpty());
  }

  @Test
  void peerCertificate_replicates() throws Exception {
    InMemoryReplicaStore store = InMemoryReplicaStore.create(Replica.random());
    store.update("carts/from-porto", d -> d.set("x", 1));
    try (ReplicationNode n = ReplicationNode.startNetty(store, SyncConfig.builder(CLUSTER)
        .site("porto").peers(List.of(peer.listenAddress())).build(),
        pki.issuePeer("porto").requiringPeerCertificates(), null)) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (peer.get("carts/from-porto").isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertTrue(peer.get("carts/from-porto").isPresent(), "porto's write did not arrive");
    }
  }

  // ---- metrics over HTTP ------------------------------------------------------------------------

  static HttpResponse<String> http(String path, String token) throws Exception {
    HttpRequest.Builder r = HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + metrics.port() + path));
    if (token != null) {
      r.header("Authorization", "Bearer " + token);
    }
    return HttpClient.newHttpClient().send(r.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void metricsEndpoint_needsAnAdminToken_healthStaysOpen() throws Exception {
    long counted = refusalCount();
    int lines = callAuditLines().size();
    HttpResponse<String> none = http("/metrics", null);
    assertEquals(401, none.statusCode());
    assertTrue(none.headers().firstValue("WWW-Authenticate").isPresent());
    assertEquals(401, http("/metrics", Tokens.generate()).statusCode());
    HttpResponse<String> reader = http("/metrics", TOKENS.get("reader"));
    assertEquals(403, reader.statusCode());
    assertTrue(reader.body().contains("needs admin:*"), reader.body());
    assertEquals(counted + 3, refusalCount());
    assertEquals(lines + 3, callAuditLines().size());
    assertFalse(none.body().contains("meridian_writes_total"));
    HttpResponse<String> admin = http("/metrics", TOKENS.get("admin"));
    assertEquals(200, admin.statusCode());
    assertTrue(PromText.value(admin.body(), "meridian_auth_refused_total", "reason", "not-granted")
        .isPresent(), admin.body());
    assertEquals(200, http("/healthz", null).statusCode());
  }
}
