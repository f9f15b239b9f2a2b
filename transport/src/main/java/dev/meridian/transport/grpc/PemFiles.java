package dev.meridian.transport.grpc;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the PEM files of TLS: X.509 certificates ({@code BEGIN CERTIFICATE} blocks, text between
 * them ignored) and an unencrypted PKCS#8 private key ({@code BEGIN PRIVATE KEY}). Every failure is
 * an {@link IOException} whose message names the file and what is wrong with it, never the bytes
 * of a key.
 */
final class PemFiles {
  private static final Pattern BLOCK = Pattern.compile(
      "-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]*?)-----END \\1-----");
  /** Key algorithms a PKCS#8 key is tried as, in order. */
  private static final List<String> KEY_ALGORITHMS = List.of("EC", "RSA", "Ed25519", "Ed448");

  private PemFiles() {}

  /** The PEM blocks of a file: their labels and decoded bytes. */
  @SuppressWarnings("ArrayRecordComponent") // private, read once, never compared or hashed
  private record Block(String label, byte[] der) {}

  private static List<Block> blocks(Path file) throws IOException {
    String text = Files.readString(file, StandardCharsets.US_ASCII);
    List<Block> out = new ArrayList<>();
    Matcher m = BLOCK.matcher(text);
    while (m.find()) {
      try {
        out.add(new Block(m.group(1), Base64.getMimeDecoder().decode(m.group(2))));
      } catch (IllegalArgumentException e) {
        throw new IOException(file + ": a " + m.group(1) + " block is not valid base64", e);
      }
    }
    return out;
  }

  /**
   * The certificates of {@code file}, in file order (for a chain: the leaf first).
   *
   * @throws IOException if it cannot be read, holds no certificate, or one cannot be parsed
   */
  static List<X509Certificate> certificates(Path file) throws IOException {
    List<X509Certificate> out = new ArrayList<>();
    try {
      CertificateFactory f = CertificateFactory.getInstance("X.509");
      for (Block b : blocks(file)) {
        if (b.label().equals("CERTIFICATE")) {
          out.add((X509Certificate) f.generateCertificate(new ByteArrayInputStream(b.der())));
        }
      }
    } catch (CertificateException e) {
      throw new IOException(file + ": a certificate cannot be parsed (" + e.getMessage() + ")", e);
    }
    if (out.isEmpty()) {
      throw new IOException(file + ": holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
    }
    return out;
  }

  /**
   * The private key of {@code file}: its first PKCS#8 block.
   *
   * @throws IOException if it cannot be read, holds no unencrypted PKCS#8 key, or the key cannot
   *     be parsed
   */
  static PrivateKey privateKey(Path file) throws IOException {
    for (Block b : blocks(file)) {
      switch (b.label()) {
        case "PRIVATE KEY" -> {
          return pkcs8(file, b.der());
        }
        case "ENCRYPTED PRIVATE KEY" -> throw new IOException(file + ": the private key is"
            + " encrypted; Meridian reads an unencrypted PKCS#8 key (openssl pkcs8 -topk8"
            + " -nocrypt converts one)");
        case "EC PRIVATE KEY", "RSA PRIVATE KEY" -> throw new IOException(file + ": holds a "
            + b.label() + " (a traditional format); Meridian reads PKCS#8, BEGIN PRIVATE KEY"
            + " (openssl pkcs8 -topk8 -nocrypt converts it)");
        default -> {
          // not a key: skipped
        }
      }
    }
    throw new IOException(file + ": holds no PEM private key (-----BEGIN PRIVATE KEY-----)");
  }

  private static PrivateKey pkcs8(Path file, byte[] der) throws IOException {
    for (String algorithm : KEY_ALGORITHMS) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (GeneralSecurityException e) {
        // not this algorithm: try the next
      }
    }
    throw new IOException(file + ": the PKCS#8 private key is not an EC, RSA or EdDSA key this"
        + " JVM can read");
  }

  /**
   * Checks that {@code key} is the private key of {@code cert}: it signs, the certificate's public
   * key verifies.
   *
   * @throws IOException naming both files if it is not
   */
  static void checkPair(X509Certificate cert, PrivateKey key, Path certFile, Path keyFile)
      throws IOException {
    PublicKey pub = cert.getPublicKey();
    String algorithm = switch (key.getAlgorithm()) {
      case "EC" -> "SHA256withECDSA";
      case "RSA" -> "SHA256withRSA";
      default -> key.getAlgorithm(); // Ed25519, Ed448 name their own signature
    };
    boolean matches;
    try {
      byte[] probe = new byte[32];
      new SecureRandom().nextBytes(probe);
      Signature s = Signature.getInstance(algorithm);
      s.initSign(key);
      s.update(probe);
      byte[] signature = s.sign();
      Signature v = Signature.getInstance(algorithm);
      v.initVerify(pub);
      v.update(probe);
      matches = v.verify(signature);
    } catch (GeneralSecurityException e) {
      matches = false; // a key of another type than the certificate's, or unusable
    }
    if (!matches) {
      throw new IOException(keyFile + " is not the private key of the certificate in " + certFile
          + " (replace both; a certificate and key replaced one after the other match again"
          + " once both are in place)");
    }
  }
}
