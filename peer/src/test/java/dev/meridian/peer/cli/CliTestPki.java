package dev.meridian.peer.cli;

import java.io.File;
import java.io.IOException;
import java.io.Writer;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
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
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A throwaway CA for the CLI's TLS tests: EC P-256, PEM files under a directory, leaf
 * certificates for 127.0.0.1 and localhost usable by servers and clients.
 */
final class CliTestPki {
  private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

  private final Path dir;
  private final KeyPair caKeys;
  private final X500Name caName = new X500Name("CN=meridian-cli-test-ca");

  /** One leaf: its certificate and PKCS#8 key files. */
  record Leaf(File cert, File key) {}

  CliTestPki(Path dir) throws IOException, GeneralSecurityException {
    this.dir = dir;
    this.caKeys = keys();
    X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(caName, serial(), notBefore(),
        notAfter(), caName, caKeys.getPublic());
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
    b.addExtension(Extension.keyUsage, true,
        new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    write(caFile(), sign(b));
  }

  /** The CA certificate. */
  File caFile() {
    return dir.resolve("ca.pem").toFile();
  }

  /** A new leaf certificate named {@code cn}, signed by this CA. */
  Leaf issue(String cn) throws IOException, GeneralSecurityException {
    KeyPair keys = keys();
    X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(caName, serial(), notBefore(),
        notAfter(), new X500Name("CN=" + cn), keys.getPublic());
    b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
        new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
        new GeneralName(GeneralName.dNSName, "localhost")}));
    b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
        new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
    b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
    Leaf leaf = new Leaf(dir.resolve(cn + ".pem").toFile(), dir.resolve(cn + "-key.pem").toFile());
    write(leaf.cert(), sign(b));
    try (Writer w = Files.newBufferedWriter(leaf.key().toPath(), StandardCharsets.US_ASCII);
        JcaPEMWriter pem = new JcaPEMWriter(w)) {
      pem.writeObject(new JcaPKCS8Generator(keys.getPrivate(), null));
    }
    return leaf;
  }

  private X509Certificate sign(X509v3CertificateBuilder b) throws GeneralSecurityException {
    try {
      return new JcaX509CertificateConverter().getCertificate(
          b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKeys.getPrivate())));
    } catch (OperatorCreationException e) {
      throw new GeneralSecurityException(e);
    }
  }

  private static KeyPair keys() throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    return g.generateKeyPair();
  }

  private static void write(File f, Object o) throws IOException {
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
