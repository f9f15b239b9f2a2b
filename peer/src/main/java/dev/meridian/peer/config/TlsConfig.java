package dev.meridian.peer.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * A peer's TLS settings: its certificate and private key, the CA that signs the certificates of
 * peers it trusts, and which of those peers it accepts. Obtained from {@link PeerConfig#tls()};
 * when present, both the gRPC server and the connections the peer dials use mutual TLS.
 *
 * <p>The three files are absolute paths that existed and were readable when the configuration
 * was built (their contents are read, and checked, by whoever opens them; a running peer reads
 * them again when they are replaced). An empty {@link #allowedPeers()} accepts every certificate
 * the CA signed.
 */
public final class TlsConfig {
  private final Path cert;
  private final Path key;
  private final Path ca;
  private final List<String> allowedPeers;

  TlsConfig(Path cert, Path key, Path ca, List<String> allowedPeers) {
    this.cert = Objects.requireNonNull(cert, "cert");
    this.key = Objects.requireNonNull(key, "key");
    this.ca = Objects.requireNonNull(ca, "ca");
    this.allowedPeers = List.copyOf(allowedPeers);
  }

  /** This peer's certificate chain (PEM), YAML {@code tls.cert}. */
  public Path cert() {
    return cert;
  }

  /** This peer's private key (PEM), YAML {@code tls.key}. */
  public Path key() {
    return key;
  }

  /** The CA certificates (PEM) that peers' certificates must chain to, YAML {@code tls.ca}. */
  public Path ca() {
    return ca;
  }

  /**
   * The certificate names (subject common name or DNS subject alternative name) of the peers
   * accepted, YAML {@code tls.allowed-peers}; unmodifiable; empty (the default) accepts any
   * certificate the CA signed.
   */
  public List<String> allowedPeers() {
    return allowedPeers;
  }

  /** Equal when all four settings are equal. */
  @Override
  public boolean equals(Object o) {
    return o instanceof TlsConfig other
        && cert.equals(other.cert)
        && key.equals(other.key)
        && ca.equals(other.ca)
        && allowedPeers.equals(other.allowedPeers);
  }

  /** A hash of the settings, consistent with {@link #equals}. */
  @Override
  public int hashCode() {
    return Objects.hash(cert, key, ca, allowedPeers);
  }

  /** The settings, for logs: paths only, never file contents. */
  @Override
  public String toString() {
    return "TlsConfig[cert=" + cert + ", key=" + key + ", ca=" + ca + ", allowedPeers=" + allowedPeers + "]";
  }
}
