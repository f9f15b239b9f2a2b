package dev.meridian.transport.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.grpc.netty.shaded.io.netty.handler.ssl.NotSslRecordException;
import java.nio.channels.ClosedChannelException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

/**
 * How a failed handshake is explained in the audit line, from the exceptions the JDK's and
 * BoringSSL's engines raise (real handshakes are in {@link TlsReloadTest} and the peer's
 * TlsServerHandshakesTest).
 */
class ServerHandshakesTest {
  private static Throwable chain(Throwable outer, Throwable... causes) {
    Throwable t = outer;
    for (Throwable c : causes) {
      t.initCause(c);
      t = c;
    }
    return outer;
  }

  @Test
  void why_expiredInsideAPkixFailure() {
    assertEquals("its certificate has expired", ServerHandshakes.why(chain(
        new SSLHandshakeException("General OpenSslEngine problem"),
        new CertificateException("PKIX path validation failed"),
        new CertPathValidatorException("validity check failed", null, null, -1,
            CertPathValidatorException.BasicReason.EXPIRED))));
  }

  @Test
  void why_alertOfEitherEngine_namesTheAlert() {
    assertEquals("it ended the handshake with the alert bad_certificate (does it trust this"
        + " peer's certificate?)", ServerHandshakes.why(
            new SSLHandshakeException("Received fatal alert: bad_certificate")));
    assertEquals("it ended the handshake with the alert unknown_ca (does it trust this peer's"
        + " certificate?)", ServerHandshakes.why(new SSLHandshakeException(
            "error:10000418:SSL routines:OPENSSL_internal:TLSV1_ALERT_UNKNOWN_CA")));
  }

  @Test
  void why_noClientCertificate_plaintext() {
    assertEquals("it presented no certificate (this peer asks every client for one: mutual TLS)",
        ServerHandshakes.why(new SSLHandshakeException(
            "error:100000c7:SSL routines:OPENSSL_internal:PEER_DID_NOT_RETURN_A_CERTIFICATE")));
    assertEquals("it does not speak TLS (a plaintext client or peer dialling this TLS port?)",
        ServerHandshakes.why(new NotSslRecordException("not an SSL/TLS record: 505249")));
  }

  @Test
  void why_closedBeforeTheHandshake_isNoRefusal() {
    assertNull(ServerHandshakes.why(new ClosedChannelException()));
    assertNull(ServerHandshakes.why(new SSLHandshakeException(
        "Connection closed while SSL/TLS handshake was in progress")));
  }

  @Test
  void why_anythingElse_saysWhatTheEngineSaid() {
    assertEquals("the TLS handshake failed (no cipher suites in common)",
        ServerHandshakes.why(new SSLHandshakeException("no cipher suites in common")));
  }
}
