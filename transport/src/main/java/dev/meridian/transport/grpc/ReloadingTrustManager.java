package dev.meridian.transport.grpc;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.stream.Collectors;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The trust manager of a replica's TLS: trusts the certificates that chain to one of the CA
 * certificates of a PEM file (a bundle of one or more), by the JDK's PKIX checks (validity,
 * signatures, and on the dialling side the host name), and, when the file is replaced, the CAs it
 * holds then from the next handshake on: a CA added is trusted for new connections, a CA removed
 * is refused for them (connections already open stay). A bundle that cannot be used is logged and the
 * CAs before stay; see {@link FileBacked}. Used by both the server and the channels it dials.
 *
 * <p>It names no acceptable issuers ({@link #getAcceptedIssuers()} is empty), so a server asking
 * for a client certificate does not tell clients which CAs it trusts: they present the one they
 * have, and the CAs in force at that handshake judge it.
 */
final class ReloadingTrustManager extends X509ExtendedTrustManager {
  /*
   * Design notes.
   * [1] Why no accepted issuers: the OpenSSL engine gRPC uses reads them once, when the server's
   *     TLS context is made, and sends that list in every CertificateRequest; a client whose
   *     certificate's CA is not on it sends no certificate at all (the JDK's key manager picks by
   *     issuer), so a CA added later would never be trusted, whatever this manager then says.
   *     RFC 8446 4.2.4 and RFC 5246 7.4.4 let the list be empty: "any certificate".
   */
  private static final X509Certificate[] NONE = new X509Certificate[0];

  private final FileBacked<X509ExtendedTrustManager> cas;

  private ReloadingTrustManager(Path bundle) throws IOException {
    this.cas = FileBacked.open("CA bundle", List.of(bundle), () -> read(bundle), m -> "trusting "
        + List.of(m.getAcceptedIssuers()).stream()
            .map(c -> c.getSubjectX500Principal().getName()).collect(Collectors.joining("; ")));
  }

  /**
   * A trust manager of the CAs in {@code bundle} (PEM), re-read when it changes.
   *
   * @throws IOException if it cannot be read now or holds no certificate
   */
  static ReloadingTrustManager of(Path bundle) throws IOException {
    return new ReloadingTrustManager(bundle);
  }

  private static X509ExtendedTrustManager read(Path bundle) throws IOException {
    List<X509Certificate> certs = PemFiles.certificates(bundle);
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      for (int i = 0; i < certs.size(); i++) {
        store.setCertificateEntry("ca-" + i, certs.get(i));
      }
      TrustManagerFactory f = TrustManagerFactory.getInstance("PKIX");
      f.init(store);
      for (TrustManager m : f.getTrustManagers()) {
        if (m instanceof X509ExtendedTrustManager x) {
          return x;
        }
      }
      throw new IOException("this JVM offers no X.509 trust manager");
    } catch (GeneralSecurityException e) {
      throw new IOException(bundle + ": its certificates cannot be trusted as CAs ("
          + e.getMessage() + ")", e);
    }
  }

  /** Times the file changed into a bundle that could not be used. */
  long failures() {
    return cas.failures();
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    cas.get().checkClientTrusted(chain, authType, engine);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    cas.get().checkServerTrusted(chain, authType, engine);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    cas.get().checkClientTrusted(chain, authType, socket);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    cas.get().checkServerTrusted(chain, authType, socket);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    cas.get().checkClientTrusted(chain, authType);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    cas.get().checkServerTrusted(chain, authType);
  }

  /** None: see the class comment. */
  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return NONE.clone();
  }
}
