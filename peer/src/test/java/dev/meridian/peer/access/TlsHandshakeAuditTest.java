package dev.meridian.peer.access;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.meridian.peer.PromText;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.meridian.peer.Meridian;
import dev.meridian.peer.TestPeers;
import dev.meridian.transport.grpc.TestPki;
import dev.meridian.transport.grpc.TlsSettings;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * TLS handshakes a peer refuses, over real sockets on 127.0.0.1 under mutual TLS: a certificate of
 * another CA, an expired one, none, a plaintext client, and a client that does not trust the
 * peer's certificate each write exactly one line on {@code
 * meridian.audit} naming the client's address and why, and count once in {@code
 * meridian_auth_refused_total{reason="tls-handshake"}}; an accepted handshake writes nothing. The
 * clients are the JDK's own TLS sockets, so the test knows each one's address.
 */
class TlsHandshakeAuditTest {
  @TempDir Path dir;

  private final ListAppender<ILoggingEvent> audit = new ListAppender<>();
  private TestPki pki;
  private TestPki otherCa;
  private Meridian peer;
  private int port;

  @BeforeEach
  void start() throws Exception {
    pki = new TestPki(dir, "audit-ca");
    otherCa = new TestPki(dir, "stranger-ca");
    Logger log = (Logger) LoggerFactory.getLogger(AccessControl.AUDIT_LOGGER);
    log.setLevel(Level.INFO);
    audit.start();
    log.addAppender(audit);
    peer = Meridian.builder().dataDir(dir.resolve("data")).site("lisbon").cluster("audit")
        .listen("127.0.0.1:0").tls(pki.issuePeer("lisbon")).open();
    port = Integer.parseInt(peer.listenAddress().substring(
        peer.listenAddress().lastIndexOf(':') + 1));
  }

  @AfterEach
  void stop() {
    peer.close();
    ((Logger) LoggerFactory.getLogger(AccessControl.AUDIT_LOGGER)).detachAppender(audit);
  }

  private List<String> auditLines() {
    synchronized (audit) { // the appender appends under its own lock
      return audit.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }
  }

  /** A JDK TLS context presenting {@code leaf} (or no certificate) and trusting our CA. */
  private SSLContext context(TestPki.Leaf leaf) throws Exception {
    return TestPki.clientContext(leaf, pki.caFile());
  }

  /**
   * Connects with {@code tls}, completes what the client side can of a handshake and reads, and
   * returns the client's local port (the server names it in the audit line).
   */
  private int handshake(SSLContext tls) throws Exception {
    try (SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket("127.0.0.1", port)) {
      s.setSoTimeout(5_000);
      s.setUseClientMode(true);
      javax.net.ssl.SSLParameters params = s.getSSLParameters();
      params.setApplicationProtocols(new String[] {"h2"}); // as gRPC clients offer
      s.setSSLParameters(params);
      try {
        s.startHandshake();
        s.getInputStream().read(); // under TLS 1.3 the server's verdict comes after
      } catch (IOException refused) {
        // the refusal, as the client hears it
      }
      return s.getLocalPort();
    }
  }

  /** Waits for the one audit line naming 127.0.0.1:{@code port}, which must say {@code why}. */
  private void assertAudited(int clientPort, String why) throws Exception {
    String from = "refused a TLS connection from /127.0.0.1:" + clientPort + ":";
    TestPeers.await("an audit line " + from, 10,
        () -> auditLines().stream().anyMatch(l -> l.startsWith(from)));
    List<String> lines = auditLines().stream().filter(l -> l.startsWith(from)).toList();
    assertEquals(1, lines.size(), lines.toString());
    assertTrue(lines.get(0).contains(why), lines.get(0));
  }

  @Test
  void refusedHandshakes_oneAuditLineEach_namingTheAddressAndWhy() throws Exception {
    assertAudited(handshake(context(otherCa.issueFiles("billing",
        TlsSettings.CLIENT_SCHEME + "billing"))), "its certificate is not issued by a CA this"
        + " peer trusts");
    assertAudited(handshake(context(pki.issueExpiredFiles("late", null))),
        "its certificate has expired");
    assertAudited(handshake(context(null)), "it presented no certificate");
    int plain;
    try (Socket s = new Socket("127.0.0.1", port)) {
      plain = s.getLocalPort();
      OutputStream out = s.getOutputStream();
      out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      s.setSoTimeout(5_000);
      try {
        s.getInputStream().read();
      } catch (IOException closed) {
        // closed by the server
      }
    }
    assertAudited(plain, "it does not speak TLS");
    // A client that does not trust this peer's certificate ends the handshake with an alert.
    assertAudited(handshake(TestPki.clientContext(pki.issueFiles("ops",
        TlsSettings.CLIENT_SCHEME + "ops"), otherCa.caFile())),
        "it ended the handshake with the alert certificate_unknown");
    assertEquals(5L, peer.authRefusals().get("tls-handshake"));
    StringBuilder metrics = new StringBuilder();
    peer.writeMetrics(metrics);
    assertEquals(5.0, PromText.value(metrics.toString(), "meridian_auth_refused_total", "reason",
        "tls-handshake").orElseThrow(), metrics.toString());
  }

  @Test
  void acceptedHandshake_noAuditLine() throws Exception {
    handshake(context(pki.issueFiles("ops", TlsSettings.CLIENT_SCHEME + "ops")));
    Thread.sleep(300);
    assertEquals(List.of(), auditLines().stream()
        .filter(l -> l.startsWith("refused a TLS connection")).toList());
    assertEquals(null, peer.authRefusals().get("tls-handshake"));
  }
}
