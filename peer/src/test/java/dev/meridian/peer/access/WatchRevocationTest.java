package dev.meridian.peer.access;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
import ch.qos.logback.core.read.ListAppender;
import dev.meridian.peer.Meridian;
import dev.meridian.peer.TestPeers;
import dev.meridian.peer.proto.DocumentsGrpc;
import dev.meridian.peer.proto.WatchEvent;
import dev.meridian.peer.proto.WatchRequest;
import dev.meridian.transport.grpc.TestPki;
import dev.meridian.transport.grpc.TlsSettings;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Watches opened before the access file changes, over real gRPC on 127.0.0.1 under mutual TLS: a
 * watch whose token is revoked ends with UNAUTHENTICATED, one whose credential loses read on its
 * prefix (a narrowed token, a client certificate removed) with PERMISSION_DENIED, each within a
 * few seconds, with one audit line and one count, and with no change written after the new rules
 * took effect ever sent on it, even on a watch the sweep of open watches has not reached yet.
 * Watches the new rules still allow stay open, and the peer lets go of every watch it ended.
 */
class WatchRevocationTest {
  @TempDir Path dir;

  private final List<AutoCloseable> close = new ArrayList<>();
  private final ListAppender<ILoggingEvent> audit = new ListAppender<>();
  private final String reader = Tokens.generate();
  private final String admin = Tokens.generate();
  private TestPki pki;
  private Path accessFile;
  private Meridian peer;

  @BeforeEach
  void start() throws Exception {
    pki = new TestPki(dir, "watch-ca");
    accessFile = dir.resolve("access.txt");
    writeAccess("token reader sha256:" + Tokens.sha256Hex(reader) + " read:carts/* read:users/*",
        "token admin sha256:" + Tokens.sha256Hex(admin) + " admin:*",
        "client billing read:carts/*");
    Logger log = (Logger) LoggerFactory.getLogger(AccessControl.AUDIT_LOGGER);
    log.setLevel(Level.INFO);
    audit.start();
    log.addAppender(audit);
    peer = Meridian.builder().dataDir(dir.resolve("data")).site("lisbon").cluster("watches")
        .listen("127.0.0.1:0").tls(pki.issuePeer("lisbon"))
        .accessControl(AccessControl.watching(accessFile, Duration.ofMillis(50))).open();
  }

  @AfterEach
  void stop() throws Exception {
    for (int i = close.size() - 1; i >= 0; i--) {
      close.get(i).close();
    }
    peer.close();
    ((Logger) LoggerFactory.getLogger(AccessControl.AUDIT_LOGGER)).detachAppender(audit);
  }

  /** Replaces the access file by rename, as docs/security.md asks. */
  private void writeAccess(String... rules) throws Exception {
    Path tmp = accessFile.resolveSibling("access.txt.tmp");
    Files.writeString(tmp, String.join("\n", rules) + "\n");
    Files.move(tmp, accessFile, StandardCopyOption.ATOMIC_MOVE,
        StandardCopyOption.REPLACE_EXISTING);
  }

  private AccessControl control() {
    return peer.accessControl().orElseThrow();
  }

  /** A channel presenting {@code name}'s certificate ({@code uri} its identity, or none). */
  private ManagedChannel channel(String name, String uri) throws Exception {
    TestPki.Leaf leaf = pki.issueFiles(name, uri);
    ManagedChannel ch = NettyChannelBuilder.forTarget(peer.listenAddress(),
        TlsChannelCredentials.newBuilder().trustManager(pki.caFile())
            .keyManager(leaf.cert(), leaf.key()).build()).build();
    close.add(() -> ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    return ch;
  }

  private static DocumentsGrpc.DocumentsStub stub(ManagedChannel ch, String token) {
    DocumentsGrpc.DocumentsStub s = DocumentsGrpc.newStub(ch);
    if (token == null) {
      return s;
    }
    Metadata h = new Metadata();
    h.put(ApiAccess.AUTHORIZATION, "Bearer " + token);
    return s.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(h));
  }

  /** One open watch: the keys it was sent, and how it ended. */
  static final class Probe implements StreamObserver<WatchEvent> {
    final Set<String> keys = ConcurrentHashMap.newKeySet();
    final CompletableFuture<Status> end = new CompletableFuture<>();

    @Override
    public void onNext(WatchEvent e) {
      keys.add(e.getKey());
    }

    @Override
    public void onError(Throwable t) {
      end.complete(Status.fromThrowable(t));
    }

    @Override
    public void onCompleted() {
      end.complete(Status.OK);
    }
  }

  /** Opens a watch of {@code prefix} and waits until it is sent a change (so it is open). */
  private Probe watch(DocumentsGrpc.DocumentsStub s, String prefix) throws Exception {
    Probe p = new Probe();
    s.watch(WatchRequest.newBuilder().setPrefix(prefix).build(), p);
    String key = prefix + "live";
    TestPeers.await("the watch of '" + prefix + "' is open", 10, () -> {
      assertFalse(p.end.isDone(), () -> "the watch ended: " + p.end.join());
      peer.update(key, d -> d.increment("n", 1)).join();
      return p.keys.contains(key);
    });
    return p;
  }

  private List<String> auditLines() {
    synchronized (audit) { // the appender appends under its own lock
      return audit.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }
  }

  private static Status ended(Probe p) throws Exception {
    return p.end.get(5, TimeUnit.SECONDS); // the file is checked every 50 ms
  }

  @Test
  void revokedToken_endsAnIdleWatchUnauthenticated_withOneAuditLine() throws Exception {
    Probe p = watch(stub(channel("anonymous", null), reader), "carts/");
    long counted = peer.authRefusals().getOrDefault("unknown-token", 0L);
    writeAccess("token admin sha256:" + Tokens.sha256Hex(admin) + " admin:*");
    Status s = ended(p);
    assertEquals(Status.Code.UNAUTHENTICATED, s.getCode(), s.toString());
    assertTrue(s.getDescription().contains("this watch of the keys under 'carts/' ends"), s
        .toString());
    assertEquals(counted + 1, peer.authRefusals().get("unknown-token"));
    List<String> lines = auditLines().stream().filter(l -> l.contains("Documents/Watch")).toList();
    assertEquals(1, lines.size(), lines.toString());
    assertTrue(lines.get(0).startsWith("refused meridian.peer.v1.Documents/Watch (an open watch of"
        + " the keys under 'carts/') by token 'reader' from /127.0.0.1:"), lines.get(0));
    assertFalse(lines.get(0).contains(reader), "the audit line holds the token");
    assertEquals(0, control().openWatches());
  }

  @Test
  void revokedToken_noChangeWrittenAfterTheNewRulesIsSent() throws Exception {
    Probe p = watch(stub(channel("anonymous", null), reader), "carts/");
    Set<String> writtenAfter = Collections.synchronizedSet(new java.util.HashSet<>());
    AtomicBoolean stop = new AtomicBoolean();
    String hash = Tokens.sha256Hex(reader);
    Thread writer = new Thread(() -> {
      for (int i = 0; !stop.get(); i++) {
        boolean revoked = control().rules().token(hash).isEmpty(); // read before the write
        String key = "carts/w" + i;
        peer.update(key, d -> d.increment("n", 1)).join();
        if (revoked) {
          writtenAfter.add(key);
        }
      }
    });
    writer.start();
    try {
      Thread.sleep(100); // writes and their changes under the old rules
      writeAccess("token admin sha256:" + Tokens.sha256Hex(admin) + " admin:*");
      assertEquals(Status.Code.UNAUTHENTICATED, ended(p).getCode());
      TestPeers.await("writes after the revocation", 5, () -> writtenAfter.size() >= 20);
    } finally {
      stop.set(true);
      writer.join();
    }
    Thread.sleep(200); // anything still in flight arrives
    Set<String> sentAfter = new java.util.TreeSet<>(p.keys);
    sentAfter.retainAll(writtenAfter);
    assertEquals(Set.of(), sentAfter, "changes written after the revocation reached the watch");
    assertTrue(p.keys.stream().anyMatch(k -> k.startsWith("carts/w")), "no change before it");
  }

  /**
   * Holds the access-file thread in its sweep of open watches: the first audit line of a watch it
   * ends blocks until {@link #release}, before that watch is closed; any other line passes.
   */
  static final class SweepGate extends UnsynchronizedAppenderBase<ILoggingEvent> {
    final CountDownLatch held = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    final AtomicBoolean first = new AtomicBoolean(true);

    @Override
    protected void append(ILoggingEvent e) {
      if (e.getFormattedMessage().contains("(an open watch of") && first.getAndSet(false)) {
        held.countDown();
        try {
          release.await(20, TimeUnit.SECONDS);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }

  @Test
  void changeWrittenWhileTheSweepIsUnderWay_isNotSentOnAWatchNotYetEnded() throws Exception {
    DocumentsGrpc.DocumentsStub s = stub(channel("anonymous", null), reader);
    Probe one = watch(s, "carts/");
    Probe two = watch(s, "carts/");
    SweepGate gate = new SweepGate();
    gate.start();
    Logger log = (Logger) LoggerFactory.getLogger(AccessControl.AUDIT_LOGGER);
    log.addAppender(gate);
    try {
      writeAccess("token admin sha256:" + Tokens.sha256Hex(admin) + " admin:*");
      assertTrue(gate.held.await(10, TimeUnit.SECONDS), "the sweep did not start");
      // The new rules are in force; the sweep holds one watch, the other is not swept yet.
      peer.update("carts/during", d -> d.set("n", 1)).join();
      Thread.sleep(1000); // time for the change to reach both watches' streams
      assertFalse(one.keys.contains("carts/during") || two.keys.contains("carts/during"),
          "a change written under the new rules was sent on a watch they do not allow");
    } finally {
      gate.release.countDown();
      log.detachAppender(gate);
    }
    assertEquals(Status.Code.UNAUTHENTICATED, ended(one).getCode());
    assertEquals(Status.Code.UNAUTHENTICATED, ended(two).getCode());
  }

  @Test
  void narrowedGrant_endsTheWatchItNoLongerCovers_permissionDenied() throws Exception {
    DocumentsGrpc.DocumentsStub s = stub(channel("anonymous", null), reader);
    Probe carts = watch(s, "carts/");
    Probe users = watch(s, "users/");
    long counted = peer.authRefusals().getOrDefault("not-granted", 0L);
    writeAccess("token reader sha256:" + Tokens.sha256Hex(reader) + " read:users/*",
        "token admin sha256:" + Tokens.sha256Hex(admin) + " admin:*");
    Status st = ended(carts);
    assertEquals(Status.Code.PERMISSION_DENIED, st.getCode(), st.toString());
    assertTrue(st.getDescription().contains("token 'reader' may not read the keys under"
        + " 'carts/'"), st.toString());
    assertEquals(counted + 1, peer.authRefusals().get("not-granted"));
    peer.update("users/after", d -> d.set("n", 1)).join();
    TestPeers.await("the watch still allowed sees a change", 5,
        () -> users.keys.contains("users/after"));
    assertFalse(users.end.isDone(), "a watch the new rules allow was ended");
    assertEquals(1, control().openWatches());
  }

  @Test
  void clientCertificateRemoved_endsItsWatchPermissionDenied() throws Exception {
    Probe p = watch(stub(channel("billing", TlsSettings.CLIENT_SCHEME + "billing"), null),
        "carts/");
    writeAccess("token admin sha256:" + Tokens.sha256Hex(admin) + " admin:*");
    Status s = ended(p);
    assertEquals(Status.Code.PERMISSION_DENIED, s.getCode(), s.toString());
    assertTrue(s.getDescription().contains("grants nothing (no 'client billing' rule)"),
        s.toString());
    assertTrue(auditLines().stream().anyMatch(l -> l.contains("Documents/Watch (an open watch")
        && l.contains("by client certificate 'billing'")), auditLines().toString());
  }

  @Test
  void endedWatches_areLetGoOf_theConnectionMayWatchAgain() throws Exception {
    ManagedChannel ch = channel("anonymous", null);
    List<Probe> probes = new ArrayList<>();
    for (int i = 0; i < 100; i++) { // the most one connection may hold
      Probe p = new Probe();
      stub(ch, reader).watch(WatchRequest.newBuilder().setPrefix("carts/").build(), p);
      probes.add(p);
    }
    TestPeers.await("100 watches open", 10, () -> control().openWatches() == 100);
    writeAccess("token admin sha256:" + Tokens.sha256Hex(admin) + " admin:*");
    for (Probe p : probes) {
      assertEquals(Status.Code.UNAUTHENTICATED, ended(p).getCode());
    }
    Probe again = watch(stub(ch, admin), "carts/"); // refused if the 100 were still held
    assertFalse(again.end.isDone());
  }
}
