package dev.meridian.transport.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.meridian.crdt.Replica;
import dev.meridian.transport.proto.ReplicationGrpc;
import dev.meridian.transport.proto.SyncFrame;
import dev.meridian.transport.store.InMemoryReplicaStore;
import dev.meridian.transport.sync.SyncConfig;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ChannelCredentials;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.io.File;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Certificates and CAs replaced on disk while a replica serves, over real gRPC on 127.0.0.1 under
 * mutual TLS: a CA added to the bundle is trusted by the next connection, a CA removed is
 * refused (even to a client resuming a TLS session made before), a rotated certificate is the one the next connection is served, and a replacement that
 * cannot be used leaves the material before in force. No restart in between. Each handshake the
 * server refuses (unknown CA, expired, no certificate, plaintext) is counted once; an accepted
 * one, or a connection closed before it sent anything, is not.
 *
 * <p>Whether a handshake was accepted is read from the call's status: the server requires peer
 * certificates for replication, so a client certificate whose handshake passed is refused by the
 * replication service (PERMISSION_DENIED), one whose handshake failed never reaches it
 * (UNAVAILABLE).
 */
class TlsReloadTest {
  @TempDir Path dir;

  TestPki ca1;
  TestPki ca2;
  Path cert;
  Path key;
  Path bundle;
  Path clientTrust;
  TlsSettings settings;
  ReplicationNode server;

  @BeforeEach
  void start() throws Exception {
    ca1 = new TestPki(dir, "ca-one");
    ca2 = new TestPki(dir, "ca-two");
    cert = dir.resolve("server.pem");
    key = dir.resolve("server-key.pem");
    bundle = dir.resolve("ca.pem");
    clientTrust = dir.resolve("client-trust.pem");
    TestPki.Leaf first = ca1.issueFiles("server", TlsSettings.PEER_SCHEME + "server");
    replace(cert, first.cert());
    replace(key, first.key());
    replace(bundle, ca1.caFile());
    replace(clientTrust, ca1.caFile(), ca2.caFile());
    settings = TlsSettings.mutual(cert.toFile(), key.toFile(), bundle.toFile())
        .requiringPeerCertificates();
    server = ReplicationNode.startNetty(InMemoryReplicaStore.create(Replica.random()),
        SyncConfig.builder("reload").site("server").build(), settings,
        new InetSocketAddress("127.0.0.1", 0));
  }

  @AfterEach
  void stop() {
    server.close();
  }

  /** Replaces {@code target} by rename with the concatenation of {@code parts}. */
  static void replace(Path target, File... parts) throws IOException {
    StringBuilder b = new StringBuilder();
    for (File f : parts) {
      b.append(Files.readString(f.toPath()));
    }
    replace(target, b.toString());
  }

  static void replace(Path target, String content) throws IOException {
    Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
    Files.writeString(tmp, content);
    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  /** How one new connection's call ended, and the certificate the server presented on it. */
  record Outcome(Status status, X509Certificate served) {
    boolean handshakeAccepted() {
      return status.getCode() == Status.Code.PERMISSION_DENIED;
    }
  }

  /** A client certificate of {@code pki} naming {@code meridian-client:<name>}. */
  static TestPki.Leaf client(TestPki pki, String name) throws Exception {
    return pki.issueFiles(name, TlsSettings.CLIENT_SCHEME + name);
  }

  Outcome dial(TestPki.Leaf leaf) throws Exception {
    TlsChannelCredentials.Builder creds = TlsChannelCredentials.newBuilder()
        .trustManager(clientTrust.toFile());
    if (leaf != null) {
      creds.keyManager(leaf.cert(), leaf.key());
    }
    return dial(creds.build());
  }

  /** Opens a new channel, one Sync call on it, and returns how the call ended. */
  Outcome dial(ChannelCredentials creds) throws Exception {
    AtomicReference<X509Certificate> served = new AtomicReference<>();
    ManagedChannel ch = NettyChannelBuilder.forTarget("127.0.0.1:" + server.port(), creds)
        .intercept(new ServedCertificate(served)).build();
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
      return new Outcome(end.get(10, TimeUnit.SECONDS), served.get());
    } finally {
      ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /** Keeps the leaf certificate the server presented, when the call ends. */
  record ServedCertificate(AtomicReference<X509Certificate> out) implements ClientInterceptor {
    @Override
    public <Q, A> ClientCall<Q, A> interceptCall(MethodDescriptor<Q, A> method,
        CallOptions options, Channel next) {
      return new ForwardingClientCall.SimpleForwardingClientCall<Q, A>(
          next.newCall(method, options)) {
        @Override
        public void start(Listener<A> listener, Metadata headers) {
          ClientCall<Q, A> call = this;
          super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<A>(
              listener) {
            @Override
            public void onClose(Status status, Metadata trailers) {
              SSLSession s = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
              try {
                if (s != null) {
                  out.set((X509Certificate) s.getPeerCertificates()[0]);
                }
              } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
                // no certificate: left null
              }
              super.onClose(status, trailers);
            }
          }, headers);
        }
      };
    }
  }

  static void await(LongSupplier value, long expected, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (value.getAsLong() < expected && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertEquals(expected, value.getAsLong(), what);
  }

  @Test
  void caAppended_trustedByTheNextConnection_withoutRestart() throws Exception {
    TestPki.Leaf ofCa2 = client(ca2, "billing");
    Outcome before = dial(ofCa2);
    assertEquals(Status.Code.UNAVAILABLE, before.status().getCode(), before.toString());
    replace(bundle, ca1.caFile(), ca2.caFile());
    Outcome after = dial(ofCa2);
    assertTrue(after.handshakeAccepted(), after.toString());
    assertTrue(after.status().getDescription().contains("client certificates cannot replicate"),
        after.toString());
    assertTrue(dial(client(ca1, "ops")).handshakeAccepted(), "CA-1 still trusted");
  }

  @Test
  void caRemoved_noLongerTrustedByTheNextConnection() throws Exception {
    replace(bundle, ca1.caFile(), ca2.caFile());
    TestPki.Leaf ofCa2 = client(ca2, "billing");
    assertTrue(dial(ofCa2).handshakeAccepted());
    replace(bundle, ca1.caFile());
    assertEquals(Status.Code.UNAVAILABLE, dial(ofCa2).status().getCode());
    assertTrue(dial(client(ca1, "ops")).handshakeAccepted(), "CA-1 still trusted");
  }

  /**
   * One TLS connection by the JDK's client with {@code tls}, offering only {@code protocol}: true
   * if the server let it in (it sent its first HTTP/2 frame), false if it refused it.
   */
  boolean jdkConnects(SSLContext tls, String protocol) throws Exception {
    try (SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket("127.0.0.1",
        server.port())) {
      SSLParameters p = s.getSSLParameters();
      p.setProtocols(new String[] {protocol});
      p.setApplicationProtocols(new String[] {"h2"});
      s.setSSLParameters(p);
      s.setSoTimeout(5_000);
      s.startHandshake();
      return s.getInputStream().read() >= 0; // under TLS 1.3 a refusal comes after
    } catch (IOException refused) {
      return false;
    }
  }

  @Test
  void caRemoved_aClientResumingASessionOfBefore_isRefused() throws Exception {
    SSLContext jdk = TestPki.clientContext(client(ca2, "billing"), ca1.caFile());
    for (String protocol : List.of("TLSv1.3", "TLSv1.2")) {
      replace(bundle, ca1.caFile(), ca2.caFile());
      assertTrue(jdkConnects(jdk, protocol), protocol);
      assertTrue(jdkConnects(jdk, protocol), protocol + ", again"); // would resume the first
      replace(bundle, ca1.caFile());
      assertFalse(jdkConnects(jdk, protocol), protocol + ": a session of before let it in");
    }
  }

  @Test
  void serverCertificateRotated_theNextConnectionIsServedTheNewOne() throws Exception {
    TestPki.Leaf ofCa1 = client(ca1, "billing");
    Outcome first = dial(ofCa1);
    assertNotNull(first.served(), first.toString());
    BigInteger oldSerial = first.served().getSerialNumber();
    TestPki.Leaf next = ca2.issueFiles("server", TlsSettings.PEER_SCHEME + "server");
    replace(cert, next.cert()); // one file, then the other: the pair matches again after both
    replace(key, next.key());
    Outcome rotated = dial(ofCa1);
    assertTrue(rotated.handshakeAccepted(), rotated.toString());
    assertNotEquals(oldSerial, rotated.served().getSerialNumber());
    assertEquals("CN=ca-two", rotated.served().getIssuerX500Principal().getName());
  }

  @Test
  void unusableReplacement_keepsTheMaterialBefore() throws Exception {
    TestPki.Leaf ofCa1 = client(ca1, "billing");
    BigInteger serial = dial(ofCa1).served().getSerialNumber();
    replace(bundle, "not a certificate\n");
    TestPki.Leaf other = ca1.issueFiles("other", TlsSettings.PEER_SCHEME + "other");
    replace(key, other.key()); // not the key of the certificate served
    Outcome o = dial(ofCa1);
    assertTrue(o.handshakeAccepted(), o.toString());
    assertEquals(serial, o.served().getSerialNumber());
    assertEquals(2, settings.reloadFailures(), "one failure per bad file, not per handshake");
    dial(ofCa1);
    assertEquals(2, settings.reloadFailures());
    replace(cert, other.cert()); // now the pair matches
    replace(bundle, ca1.caFile());
    Outcome fixed = dial(ofCa1);
    assertTrue(fixed.handshakeAccepted(), fixed.toString());
    assertNotEquals(serial, fixed.served().getSerialNumber());
  }

  @Test
  void refusedHandshakes_eachCountedOnce() throws Exception {
    assertEquals(0, server.tlsHandshakeRefusals());
    assertEquals(Status.Code.UNAVAILABLE, dial(client(ca2, "stranger")).status().getCode());
    await(server::tlsHandshakeRefusals, 1, "a certificate of an unknown CA");
    TestPki.Leaf expired = ca1.issueExpiredFiles("late", TlsSettings.CLIENT_SCHEME + "late");
    assertEquals(Status.Code.UNAVAILABLE, dial(expired).status().getCode());
    await(server::tlsHandshakeRefusals, 2, "an expired certificate");
    assertEquals(Status.Code.UNAVAILABLE, dial((TestPki.Leaf) null).status().getCode());
    await(server::tlsHandshakeRefusals, 3, "no client certificate");
    assertEquals(Status.Code.UNAVAILABLE,
        dial(InsecureChannelCredentials.create()).status().getCode());
    await(server::tlsHandshakeRefusals, 4, "a plaintext client");
    assertTrue(dial(client(ca1, "ops")).handshakeAccepted());
    new java.net.Socket("127.0.0.1", server.port()).close(); // a port probe: no handshake
    Thread.sleep(200);
    assertEquals(4, server.tlsHandshakeRefusals(),
        "an accepted handshake, or a connection that sent nothing, is not counted");
  }
}
