package dev.meridian.transport.grpc;

import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ServerCredentials;
import io.grpc.TlsChannelCredentials;
import io.grpc.TlsServerCredentials;
import java.io.File;
import java.io.IOException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * Transport security of a replica, from PEM files: its certificate chain and PKCS#8 private key,
 * the CA certificates it trusts for peers, whether peers must present a certificate (mutual TLS),
 * and an optional allowlist of peer identities (a certificate's subject CN and DNS/URI subject
 * alternative names). {@link #plaintext()} is for tests on a trusted loopback only.
 *
 * <p>A certificate presented for replication, by either end of a stream, must name exactly one
 * site ({@link #PEER_SCHEME}{@code <site>}): that site is the peer's identity, and its Hello must
 * name it. A certificate naming none (only a CN or DNS names, or a client's {@link
 * #CLIENT_SCHEME} name) or several is refused before any frame is handled. Under mutual TLS
 * every peer presents one; without a certificate (the dialling side of {@link #serverOnly}) a
 * stream is taken unless {@link #requiringPeerCertificates()} says otherwise.
 *
 * <p>The files are read when credentials are first asked for (a file that cannot be used then
 * fails {@link #serverCredentials()} or {@link #channelCredentials()}), and looked at again at
 * every TLS handshake, of the server and of the channels dialled alike: a certificate and key, or
 * a CA bundle, replaced on disk (best by rename) is used from the next handshake on, without a
 * restart; connections already open keep what they were made with. A replaced file that cannot be
 * used is logged at ERROR and the material read before stays in force. Settings derived by {@link
 * #allowing} and {@link #requiringPeerCertificates()} share the files and what was read of them.
 */
public final class TlsSettings {
  private final File certChain;
  private final File privateKey;
  private final File trustedCas;
  private final boolean mutual;
  private final Set<String> allowedPeers;
  private final boolean peerCertificatesRequired;
  private final Managers managers;

  private TlsSettings(File certChain, File privateKey, File trustedCas, boolean mutual,
      Set<String> allowedPeers, boolean peerCertificatesRequired, Managers managers) {
    this.managers = managers;
    this.certChain = certChain;
    this.privateKey = privateKey;
    this.trustedCas = trustedCas;
    this.mutual = mutual;
    this.allowedPeers = Set.copyOf(allowedPeers);
    this.peerCertificatesRequired = peerCertificatesRequired;
  }

  /**
   * Mutual TLS: this replica presents {@code certChain}/{@code privateKey} and requires peers (both
   * dialling and dialled) to present a certificate issued by one of {@code trustedCas}.
   */
  public static TlsSettings mutual(File certChain, File privateKey, File trustedCas) {
    return new TlsSettings(Objects.requireNonNull(certChain), Objects.requireNonNull(privateKey),
        Objects.requireNonNull(trustedCas), true, Set.of(), false,
        new Managers(certChain, privateKey, trustedCas));
  }

  /**
   * Server-authenticated TLS: peers check this replica's certificate, but dialling peers need not
   * present one.
   */
  public static TlsSettings serverOnly(File certChain, File privateKey, File trustedCas) {
    return new TlsSettings(Objects.requireNonNull(certChain), Objects.requireNonNull(privateKey),
        Objects.requireNonNull(trustedCas), false, Set.of(), false,
        new Managers(certChain, privateKey, trustedCas));
  }

  /** No encryption, no authentication: for tests and benchmarks on a trusted loopback. */
  public static TlsSettings plaintext() {
    return new TlsSettings(null, null, null, false, Set.of(), false, null);
  }

  /** The same settings, accepting only peers whose certificate names one of {@code names}. */
  public TlsSettings allowing(Set<String> names) {
    if (certChain == null) {
      throw new IllegalStateException("an allowlist of certificate names needs TLS");
    }
    return new TlsSettings(certChain, privateKey, trustedCas, mutual, names,
        peerCertificatesRequired, managers);
  }

  /**
   * The same settings, replicating only with peers that present a certificate, on both ends of a
   * stream: a stream without TLS or without a certificate is refused with PERMISSION_DENIED before
   * any frame is handled (a certificate naming no site is refused whatever these settings say;
   * see the class comment). What a peer under access control needs: then only certified peers
   * replicate.
   */
  public TlsSettings requiringPeerCertificates() {
    return new TlsSettings(certChain, privateKey, trustedCas, mutual, allowedPeers, true,
        managers);
  }

  /** True after {@link #requiringPeerCertificates()}. */
  public boolean peerCertificatesRequired() {
    return peerCertificatesRequired;
  }

  /** True unless {@link #plaintext()}. */
  public boolean isSecure() {
    return certChain != null;
  }

  /** The allowed peer names (empty: any peer the CAs vouch for). */
  public Set<String> allowedPeers() {
    return allowedPeers;
  }

  /**
   * Credentials for this replica's server, with this replica's certificate and the trusted CAs as
   * they are on disk at each handshake (see the class comment).
   *
   * @throws IOException if the files cannot be used (unreadable, no certificate, a key that is
   *     not the certificate's)
   */
  public ServerCredentials serverCredentials() throws IOException {
    if (certChain == null) {
      return InsecureServerCredentials.create();
    }
    return TlsServerCredentials.newBuilder()
        .keyManager(managers.keys())
        .trustManager(managers.trust())
        .clientAuth(mutual
            ? TlsServerCredentials.ClientAuth.REQUIRE
            : TlsServerCredentials.ClientAuth.NONE)
        .build();
  }

  /**
   * Credentials for the channels this replica dials, with the material as it is on disk at each
   * handshake.
   *
   * @throws IOException if the files cannot be used
   */
  public ChannelCredentials channelCredentials() throws IOException {
    if (certChain == null) {
      return InsecureChannelCredentials.create();
    }
    TlsChannelCredentials.Builder b = TlsChannelCredentials.newBuilder()
        .trustManager(managers.trust());
    if (mutual) {
      b.keyManager(managers.keys());
    }
    return b.build();
  }

  /**
   * Times a replaced certificate, key or CA file could not be used (the material before stayed in
   * force), over every server and channel of these settings and those derived from them.
   */
  public long reloadFailures() {
    return managers == null ? 0 : managers.failures();
  }

  /** The key and trust managers of one set of files, made at first use and shared. */
  private static final class Managers {
    private final File cert;
    private final File key;
    private final File ca;
    private ReloadingKeyManager keys;
    private ReloadingTrustManager trust;

    Managers(File cert, File key, File ca) {
      this.cert = cert;
      this.key = key;
      this.ca = ca;
    }

    synchronized ReloadingKeyManager keys() throws IOException {
      if (keys == null) {
        keys = ReloadingKeyManager.of(cert.toPath(), key.toPath());
      }
      return keys;
    }

    synchronized ReloadingTrustManager trust() throws IOException {
      if (trust == null) {
        trust = ReloadingTrustManager.of(ca.toPath());
      }
      return trust;
    }

    synchronized long failures() {
      return (keys == null ? 0 : keys.failures()) + (trust == null ? 0 : trust.failures());
    }
  }

  /**
   * The URI subject alternative name scheme of a peer (replica) certificate: {@code
   * meridian-peer:<site>} names the site the certificate speaks for. A certificate replicates only
   * if it names exactly one site, and only as that site (see docs/operations.md, "Certificates
   * and identities").
   */
  public static final String PEER_SCHEME = "meridian-peer:";
  /**
   * The URI subject alternative name scheme of a client certificate: {@code
   * meridian-client:<name>}. A certificate that names a client and no peer cannot replicate.
   */
  public static final String CLIENT_SCHEME = "meridian-client:";

  /**
   * What a certificate says it is, by the naming scheme above.
   *
   * @param sites the sites of its {@code meridian-peer:} URIs, in certificate order
   * @param clients the names of its {@code meridian-client:} URIs, in certificate order
   */
  public record Identity(List<String> sites, List<String> clients) {
    /** Copies the lists. */
    public Identity {
      sites = List.copyOf(sites);
      clients = List.copyOf(clients);
    }
  }

  /**
   * The {@code meridian-peer:} sites and {@code meridian-client:} names {@code cert} carries (both
   * empty if it carries none, or its alternative names cannot be parsed).
   */
  public static Identity identity(X509Certificate cert) {
    List<String> sites = new ArrayList<>();
    List<String> clients = new ArrayList<>();
    try {
      if (cert.getSubjectAlternativeNames() != null) {
        for (List<?> san : cert.getSubjectAlternativeNames()) {
          if ((Integer) san.get(0) == 6) { // uniformResourceIdentifier
            String uri = String.valueOf(san.get(1));
            if (uri.startsWith(PEER_SCHEME)) {
              sites.add(uri.substring(PEER_SCHEME.length()));
            } else if (uri.startsWith(CLIENT_SCHEME)) {
              clients.add(uri.substring(CLIENT_SCHEME.length()));
            }
          }
        }
      }
    } catch (CertificateParsingException e) {
      // Unparseable extension: the certificate names no identity.
    }
    return new Identity(sites, clients);
  }

  /** True if the allowlist is empty or {@code cert} names an allowed identity. */
  boolean allows(X509Certificate cert) {
    if (allowedPeers.isEmpty()) {
      return true;
    }
    for (String name : names(cert)) {
      if (allowedPeers.contains(name)) {
        return true;
      }
    }
    return false;
  }

  /** The identities a certificate names: its subject CN and its DNS and URI alternative names. */
  static List<String> names(X509Certificate cert) {
    List<String> out = new ArrayList<>();
    try {
      for (Rdn rdn : new LdapName(cert.getSubjectX500Principal().getName()).getRdns()) {
        if (rdn.getType().equalsIgnoreCase("CN")) {
          out.add(String.valueOf(rdn.getValue()));
        }
      }
    } catch (InvalidNameException e) {
      // No usable subject; alternative names may still match.
    }
    try {
      if (cert.getSubjectAlternativeNames() != null) {
        for (List<?> san : cert.getSubjectAlternativeNames()) {
          int type = (Integer) san.get(0);
          if (type == 2 || type == 6) { // dNSName, uniformResourceIdentifier
            out.add(String.valueOf(san.get(1)));
          }
        }
      }
    } catch (CertificateParsingException e) {
      // Unparseable extension: only the subject counts.
    }
    return out;
  }
}
