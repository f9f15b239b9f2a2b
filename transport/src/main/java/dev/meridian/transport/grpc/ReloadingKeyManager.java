package dev.meridian.transport.grpc;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * The key manager of a replica's TLS: presents the certificate chain and private key of two PEM
 * files, and, when either file is replaced, the new pair from the next handshake on (connections
 * already open keep theirs). A pair that cannot be used (unreadable, a key that is not the
 * certificate's) is logged and the pair before stays; see {@link FileBacked}. Used by both the
 * server and the channels the replica dials.
 */
final class ReloadingKeyManager extends X509ExtendedKeyManager {
  /*
   * Design notes.
   * [1] A handshake asks for an alias first and for its chain and key after, and a reload may
   *     fall in between. So an alias names its generation ("meridian-7"), and the generation
   *     before the current one is kept: the chain and the key of one handshake always match.
   * [2] Each generation delegates to the JDK's own key manager over a one-entry key store, which
   *     knows how to match a key to the key types a handshake offers.
   */
  private static final String ENTRY = "meridian";
  private static final String PREFIX = ENTRY + "-";

  /** One pair, read: its generation and the JDK key manager holding it. */
  private record Pair(int generation, X509ExtendedKeyManager keys, X509Certificate leaf) {}

  private final AtomicInteger generations = new AtomicInteger();
  private final FileBacked<Pair> pair;
  /** The pair of the last alias chosen, and the one before it (see [1]). */
  private volatile Pair latest;
  private volatile Pair previous;

  private ReloadingKeyManager(Path cert, Path key) throws IOException {
    this.pair = FileBacked.open("certificate and key", List.of(cert, key), () -> read(cert, key),
        p -> "certificate " + p.leaf().getSubjectX500Principal().getName() + ", valid until "
            + p.leaf().getNotAfter().toInstant());
  }

  /**
   * A key manager presenting the pair in {@code cert} (the chain, leaf first) and {@code key}
   * (PKCS#8), re-read when they change.
   *
   * @throws IOException if they cannot be read now, or the key is not the certificate's
   */
  static ReloadingKeyManager of(Path cert, Path key) throws IOException {
    return new ReloadingKeyManager(cert, key);
  }

  private Pair read(Path certFile, Path keyFile) throws IOException {
    List<X509Certificate> chain = PemFiles.certificates(certFile);
    PrivateKey key = PemFiles.privateKey(keyFile);
    PemFiles.checkPair(chain.get(0), key, certFile, keyFile);
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      char[] none = new char[0];
      store.setKeyEntry(ENTRY, key, none, chain.toArray(new X509Certificate[0]));
      KeyManagerFactory f = KeyManagerFactory.getInstance("SunX509");
      f.init(store, none);
      for (KeyManager m : f.getKeyManagers()) {
        if (m instanceof X509ExtendedKeyManager x) {
          return new Pair(generations.incrementAndGet(), x, chain.get(0));
        }
      }
      throw new IOException("this JVM offers no X.509 key manager");
    } catch (GeneralSecurityException e) {
      throw new IOException(certFile + " and " + keyFile + " cannot be used together ("
          + e.getMessage() + ")", e);
    }
  }

  /** The current pair, re-read first if the files changed; the one before kept for [1]. */
  private Pair current() {
    Pair now = pair.get();
    if (!isLatest(now)) {
      synchronized (this) {
        if (!isLatest(now)) {
          previous = latest;
          latest = now;
        }
      }
    }
    return now;
  }

  private boolean isLatest(Pair p) {
    Pair l = latest;
    return l != null && l.generation() == p.generation();
  }

  /** The pair an alias of {@link #current()} named, if it is the latest or the one before. */
  private Pair byAlias(String alias) {
    if (alias == null || !alias.startsWith(PREFIX)) {
      return null;
    }
    String g = alias.substring(PREFIX.length());
    Pair now = latest == null ? current() : latest;
    Pair before = previous;
    if (String.valueOf(now.generation()).equals(g)) {
      return now;
    }
    return before != null && String.valueOf(before.generation()).equals(g) ? before : null;
  }

  private static String alias(Pair p, String entry) {
    return entry == null ? null : PREFIX + p.generation();
  }

  /** Times the files changed into a pair that could not be used. */
  long failures() {
    return pair.failures();
  }

  @Override
  public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
    Pair p = current();
    return alias(p, p.keys().chooseEngineServerAlias(keyType, issuers, engine));
  }

  @Override
  public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
    Pair p = current();
    return alias(p, p.keys().chooseServerAlias(keyType, issuers, socket));
  }

  @Override
  public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers,
      SSLEngine engine) {
    Pair p = current();
    return alias(p, p.keys().chooseEngineClientAlias(keyTypes, issuers, engine));
  }

  @Override
  public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
    Pair p = current();
    return alias(p, p.keys().chooseClientAlias(keyTypes, issuers, socket));
  }

  @Override
  public String[] getServerAliases(String keyType, Principal[] issuers) {
    Pair p = current();
    String[] a = p.keys().getServerAliases(keyType, issuers);
    return a == null ? null : new String[] {alias(p, ENTRY)};
  }

  @Override
  public String[] getClientAliases(String keyType, Principal[] issuers) {
    Pair p = current();
    String[] a = p.keys().getClientAliases(keyType, issuers);
    return a == null ? null : new String[] {alias(p, ENTRY)};
  }

  @Override
  public X509Certificate[] getCertificateChain(String alias) {
    Pair p = byAlias(alias);
    return p == null ? null : p.keys().getCertificateChain(ENTRY);
  }

  @Override
  public PrivateKey getPrivateKey(String alias) {
    Pair p = byAlias(alias);
    return p == null ? null : p.keys().getPrivateKey(ENTRY);
  }
}
