package dev.meridian.transport.grpc;

import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.IOException;
import java.io.Writer;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.ECGenParameterSpec;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A throwaway certificate authority for tests: EC P-256 keys, a self-signed CA, and leaf
 * certificates valid for 127.0.0.1 and localhost (client and server use), written as PEM files
 * (certificate, PKCS#8 key) under a directory. Shared with other modules' tests and the benchmarks
 * through this module's test jar.
 */
public final class TestPki {
  private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

  private final Path dir;
  private final String name;
  private final KeyPair caKeys;
  private final X509Certificate caCert;

  /** A new CA named {@code name}, writing its files under {@code dir}. */
  public TestPki(Path dir, String name) throws IOException, GeneralSecurityException {
    this.dir = dir;
    this.name = name;
    this.caKeys = keys();
    X500Name subject = new X500Name("CN=" + name);
    X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, serial(), notBefore(),
        notAfter(), subject, caKeys.getPublic());
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
    b.addExtension(Extension.keyUsage, true,
        new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    this.caCert = sign(b, caKeys);
    writePem(caFile(), caCert);
  }

  /** The CA certificate file (what peers trust). */
  public File caFile() {
    return dir.resolve(name + "-ca.pem").toFile();
  }

  /** A leaf certificate and its PKCS#8 private key, as PEM files. */
  public record Leaf(File cert, File key) {}

  /**
   * Issues a leaf certificate with CN {@code cn} (also a DNS name) and no {@code meridian-peer:}
   * name, which replication refuses; returns mutual TLS settings using this CA.
   */
  public TlsSettings issueWithoutSite(String cn) throws IOException, GeneralSecurityException {
    Leaf leaf = issueFiles(cn);
    return TlsSettings.mutual(leaf.cert(), leaf.key(), caFile());
  }

  /**
   * Issues a peer certificate for {@code site}: CN {@code site} and the URI subject alternative
   * name {@code meridian-peer:<site>}; returns mutual TLS settings using this CA.
   */
  public TlsSettings issuePeer(String site) throws IOException, GeneralSecurityException {
    Leaf leaf = issueFiles(site, TlsSettings.PEER_SCHEME + site);
    return TlsSettings.mutual(leaf.cert(), leaf.key(), caFile());
  }

  /** Issues a client certificate: the URI {@code meridian-client:<name>}; mutual TLS settings. */
  public TlsSettings issueClient(String name) throws IOException, GeneralSecurityException {
    Leaf leaf = issueFiles(name, TlsSettings.CLIENT_SCHEME + name);
    return TlsSettings.mutual(leaf.cert(), leaf.key(), caFile());
  }

  /** Issues a leaf certificate with CN {@code cn} (also a DNS name); returns its files. */
  public Leaf issueFiles(String cn) throws IOException, GeneralSecurityException {
    return issueFiles(cn, (String) null);
  }

  /** As {@link #issueFiles(String)}, with a URI subject alternative name if {@code uri} is set. */
  public Leaf issueFiles(String cn, String uri) throws IOException, GeneralSecurityException {
    return issueFiles(cn, uri == null ? java.util.List.of() : java.util.List.of(uri), notBefore(),
        notAfter());
  }

  /** As {@link #issueFiles(String)}, with these URI subject alternative names, in this order. */
  public Leaf issueFiles(String cn, java.util.List<String> uris)
      throws IOException, GeneralSecurityException {
    return issueFiles(cn, uris, notBefore(), notAfter());
  }

  /**
   * Issues a certificate that expired an hour ago (valid for the day before): CN {@code cn}, the
   * URI {@code uri} if set.
   */
  public Leaf issueExpiredFiles(String cn, String uri)
      throws IOException, GeneralSecurityException {
    long now = System.currentTimeMillis();
    return issueFiles(cn + "-expired", uri == null ? java.util.List.of() : java.util.List.of(uri),
        new Date(now - 86_400_000L), new Date(now - 3_600_000L));
  }

  private Leaf issueFiles(String cn, java.util.List<String> uris, Date from, Date until)
      throws IOException, GeneralSecurityException {
    KeyPair keys = keys();
    X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
        new X500Name("CN=" + name), serial(), from, until, new X500Name("CN=" + cn),
        keys.getPublic());
    java.util.List<GeneralName> names = new java.util.ArrayList<>(java.util.List.of(
        new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
        new GeneralName(GeneralName.dNSName, "localhost"),
        new GeneralName(GeneralName.dNSName, cn)));
    for (String uri : uris) {
      names.add(new GeneralName(GeneralName.uniformResourceIdentifier, uri));
    }
    b.addExtension(Extension.subjectAlternativeName, false,
        new GeneralNames(names.toArray(new GeneralName[0])));
    b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
        new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
    b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
    X509Certificate cert = sign(b, caKeys);
    String file = name + "-" + cn
        + (uris.isEmpty() ? "" : "-" + Integer.toHexString(uris.hashCode()));
    Leaf leaf = new Leaf(dir.resolve(file + ".pem").toFile(),
        dir.resolve(file + "-key.pem").toFile());
    writePem(leaf.cert(), cert);
    try (Writer w = Files.newBufferedWriter(leaf.key().toPath(), StandardCharsets.US_ASCII);
        JcaPEMWriter pem = new JcaPEMWriter(w)) {
      pem.writeObject(new JcaPKCS8Generator(keys.getPrivate(), null));
    }
    return leaf;
  }

  /**
   * A JDK TLS client context presenting {@code leaf} (or no certificate, if null) and trusting the
   * CA certificate in {@code trustedCa}: a client that is not gRPC's, whose connections a test
   * can see one by one (its local port, its session).
   */
  public static SSLContext clientContext(Leaf leaf, File trustedCa)
      throws IOException, GeneralSecurityException {
    CertificateFactory certs = CertificateFactory.getInstance("X.509");
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("ca", certs.generateCertificate(
        new ByteArrayInputStream(Files.readAllBytes(trustedCa.toPath()))));
    TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
    tmf.init(trust);
    KeyManagerFactory kmf = null;
    if (leaf != null) {
      String pem = Files.readString(leaf.key().toPath()).replaceAll("-----[A-Z ]+-----", "");
      PrivateKey key = KeyFactory.getInstance("EC").generatePrivate(
          new PKCS8EncodedKeySpec(Base64.getMimeDecoder().decode(pem)));
      KeyStore keys = KeyStore.getInstance("PKCS12");
      keys.load(null, null);
      keys.setKeyEntry("leaf", key, new char[0], new Certificate[] {certs.generateCertificate(
          new ByteArrayInputStream(Files.readAllBytes(leaf.cert().toPath())))});
      kmf = KeyManagerFactory.getInstance("SunX509");
      kmf.init(keys, new char[0]);
    }
    SSLContext c = SSLContext.getInstance("TLS");
    c.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
    return c;
  }

  private static KeyPair keys() throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    return g.generateKeyPair();
  }

  private static X509Certificate sign(X509v3CertificateBuilder b, KeyPair issuer)
      throws GeneralSecurityException {
    try {
      ContentSigner signer = new JcaContentSignerBuilder("SHA256withECDSA")
          .build(issuer.getPrivate());
      return new JcaX509CertificateConverter().getCertificate(b.build(signer));
    } catch (OperatorCreationException e) {
      throw new GeneralSecurityException(e);
    }
  }

  private static void writePem(File f, Object o) throws IOException {
    try (Writer w = Files.newBufferedWriter(f.toPath(), StandardCharsets.US_ASCII);
        JcaPEMWriter pem = new JcaPEMWriter(w)) {
      pem.writeObject(o);
    }
  }

  private static BigInteger serial() {
    return BigInteger.valueOf(SERIAL.incrementAndGet());
  }

  private static Date notBefore() {
    return new Date(System.currentTimeMillis() - 3_600_000L);
  }

  private static Date notAfter() {
    return new Date(System.currentTimeMillis() + 86_400_000L);
  }
}
