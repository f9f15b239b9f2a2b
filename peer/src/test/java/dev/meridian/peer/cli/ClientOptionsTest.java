package dev.meridian.peer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.net.HostAndPort;
import dev.meridian.peer.cli.FakePeer.Result;
import dev.meridian.transport.grpc.TestPki;
import io.grpc.TlsServerCredentials;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClientOptionsTest {
  @TempDir
  Path dir;

  private TestPki pki;

  @BeforeEach
  void pki() throws Exception {
    pki = new TestPki(dir, "cli-ca");
  }

  @Test
  void address_defaultsEnvironmentAndOption() {
    ClientOptions o = new ClientOptions();
    assertEquals(HostAndPort.fromParts("127.0.0.1", 7400), o.address(Map.of()));
    assertEquals(HostAndPort.fromParts("db1", 9000),
        o.address(Map.of("MERIDIAN_PEER", "db1:9000")));
    assertEquals(HostAndPort.fromParts("127.0.0.1", 7400),
        o.address(Map.of("MERIDIAN_PEER", " ")));
    o.peer = "[::1]:7401";
    assertEquals(HostAndPort.fromParts("::1", 7401),
        o.address(Map.of("MERIDIAN_PEER", "db1:9000")));
    o.peer = "db2";
    assertEquals(HostAndPort.fromParts("db2", 7400), o.address(Map.of()));
  }

  @Test
  void address_malformed() {
    ClientOptions o = new ClientOptions();
    for (String bad : new String[] {"db:port", ":7400", "db:70000", "a:1:2", "::1"}) {
      o.peer = bad;
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> o.address(Map.of()), bad);
      assertEquals("invalid --peer '" + bad + "': expected HOST:PORT, e.g. 127.0.0.1:7400",
          e.getMessage());
    }
  }

  @Test
  void tls_serverAuthenticated() throws Exception {
    TestPki.Leaf server = pki.issueFiles("server");
    try (FakePeer peer = FakePeer.start(TlsServerCredentials.create(server.cert(),
        server.key()))) {
      Result r = FakePeer.run("get", "--peer", peer.address(), "--tls-ca", path(pki.caFile()),
          "--compact", "k");

      assertEquals(0, r.code(), r::toString);
      assertEquals("{}\n", r.out());
    }
  }

  @Test
  void tls_mutual() throws Exception {
    TestPki.Leaf server = pki.issueFiles("server");
    TestPki.Leaf client = pki.issueFiles("client");
    try (FakePeer peer = FakePeer.start(TlsServerCredentials.newBuilder()
        .keyManager(server.cert(), server.key())
        .trustManager(pki.caFile())
        .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE)
        .build())) {
      Result ok = FakePeer.run("status", "--peer", peer.address(), "--tls-ca",
          path(pki.caFile()), "--tls-cert", path(client.cert()), "--tls-key", path(client.key()));
      Result noCert = FakePeer.run("status", "--peer", peer.address(), "--tls-ca",
          path(pki.caFile()));

      assertEquals(0, ok.code(), ok::toString);
      assertEquals(1, peer.service.requests.size());
      assertEquals(3, noCert.code(), noCert::toString);
      assertTrue(noCert.err().startsWith("meridian: cannot reach peer at " + peer.address()),
          noCert::toString);
    }
  }

  @Test
  void tls_plaintextClientAgainstTlsPeer_cannotReach() throws Exception {
    TestPki.Leaf server = pki.issueFiles("server");
    try (FakePeer peer = FakePeer.start(TlsServerCredentials.create(server.cert(),
        server.key()))) {
      Result r = FakePeer.run("get", "--peer", peer.address(), "--timeout", "5s", "k");

      assertEquals(3, r.code(), r::toString);
      assertEquals(0, peer.service.requests.size());
    }
  }

  @Test
  void tls_certWithoutKey_usageError() throws Exception {
    TestPki.Leaf client = pki.issueFiles("client");

    Result r = FakePeer.run("get", "--tls-cert", path(client.cert()), "k");

    assertEquals(2, r.code(), r::toString);
    assertTrue(r.err().startsWith("--tls-cert and --tls-key go together\n"), r::toString);
  }

  @Test
  void tls_missingCaFile_usageError() {
    String missing = dir.resolve("missing.pem").toString();

    Result r = FakePeer.run("get", "--tls-ca", missing, "k");

    assertEquals(2, r.code(), r::toString);
    assertTrue(r.err().startsWith("cannot use --tls-ca " + missing + ": "), r::toString);
  }

  @Test
  void tls_caFileNotPem_usageError() throws Exception {
    File garbage = dir.resolve("garbage.pem").toFile();
    Files.writeString(garbage.toPath(), "not a certificate\n");

    Result r = FakePeer.run("get", "--tls-ca", garbage.toString(), "k");

    assertEquals(2, r.code(), r::toString);
    assertTrue(r.err().startsWith("cannot set up TLS: "), r::toString);
  }

  private static String path(File f) {
    return f.getAbsolutePath();
  }
}
