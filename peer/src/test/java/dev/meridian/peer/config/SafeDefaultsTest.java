package dev.meridian.peer.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.meridian.peer.cli.Main;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The safe defaults: plaintext servers stay on loopback unless {@code insecure-plaintext} says
 * otherwise, and a port beyond loopback needs a cluster id of its own; the daemon refuses to start
 * with a message naming what to set.
 */
class SafeDefaultsTest {
  @TempDir Path dir;

  private PeerConfig.Builder withTls() throws IOException {
    return PeerConfig.builder().tlsCert(touch("peer.pem")).tlsKey(touch("peer-key.pem"))
        .tlsCa(touch("ca.pem"));
  }

  private Path touch(String name) throws IOException {
    return Files.writeString(dir.resolve(name), "-----BEGIN PLACEHOLDER-----\n");
  }

  @Test
  void isLoopback_byTextAlone() {
    assertTrue(HostPort.of("127.0.0.1", 1).isLoopback());
    assertTrue(HostPort.of("127.9.0.3", 1).isLoopback());
    assertTrue(HostPort.of("localhost", 1).isLoopback());
    assertTrue(HostPort.of("::1", 1).isLoopback());
    assertFalse(HostPort.of("0.0.0.0", 1).isLoopback());
    assertFalse(HostPort.of("::", 1).isLoopback());
    assertFalse(HostPort.of("10.0.0.1", 1).isLoopback());
    assertFalse(HostPort.of("127.0.0.1.example.com", 1).isLoopback());
    assertFalse(HostPort.of("127.0.0.256", 1).isLoopback());
  }

  @Test
  void build_plaintextBeyondLoopback_refusedNamingTheSettings() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> PeerConfig.builder().listen("0.0.0.0:7400").cluster("prod").build());
    assertEquals(Optional.of("listen"), e.key());
    assertTrue(e.getMessage().contains("beyond loopback and TLS is off"), e.getMessage());
    assertTrue(e.getMessage().contains("tls.cert"), e.getMessage());
    assertTrue(e.getMessage().contains("insecure-plaintext: true (--insecure-plaintext)"),
        e.getMessage());
  }

  @Test
  void build_plaintextBeyondLoopback_allowedWhenInsecureIsSaid() throws ConfigException {
    PeerConfig c = PeerConfig.builder().listen("0.0.0.0:7400").cluster("prod")
        .insecurePlaintext(true).build();
    assertEquals(Optional.of(HostPort.of("0.0.0.0", 7400)), c.listen());
  }

  @Test
  void build_tlsBeyondLoopback_allowed() throws Exception {
    assertTrue(withTls().listen("10.1.2.3:7400").cluster("prod").build().tls().isPresent());
  }

  @Test
  void build_beyondLoopbackWithDefaultCluster_refused_evenWithTlsOrInsecure() throws Exception {
    ConfigException tls = assertThrows(ConfigException.class,
        () -> withTls().listen("10.1.2.3:7400").build());
    assertEquals(Optional.of("cluster"), tls.key());
    assertTrue(tls.getMessage().contains("not the default 'meridian'"), tls.getMessage());
    ConfigException insecure = assertThrows(ConfigException.class,
        () -> PeerConfig.builder().listen("0.0.0.0:7400").insecurePlaintext(true).build());
    assertEquals(Optional.of("cluster"), insecure.key());
  }

  @Test
  void build_metricsBeyondLoopback_refusedUnlessInsecure() throws ConfigException {
    ConfigException e = assertThrows(ConfigException.class,
        () -> PeerConfig.builder().metrics("0.0.0.0:7480").build());
    assertEquals(Optional.of("metrics"), e.key());
    assertTrue(e.getMessage().contains("plain HTTP"), e.getMessage());
    assertTrue(PeerConfig.builder().metrics("0.0.0.0:7480").insecurePlaintext(true).build()
        .metrics().isPresent());
  }

  @Test
  void load_insecurePlaintextKey_fromFile_andBadValueNamesFile() throws Exception {
    Path file = Files.writeString(dir.resolve("peer.yaml"),
        "listen: 0.0.0.0:7400\ncluster: prod\ninsecure-plaintext: true\n");
    assertTrue(ConfigFile.load(file).build().insecurePlaintext());
    Path bad = Files.writeString(dir.resolve("bad.yaml"), "insecure-plaintext: yes\n");
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigFile.load(bad));
    assertEquals(bad + ": insecure-plaintext: 'yes' is not true or false", e.getMessage());
    Path refused = Files.writeString(dir.resolve("refused.yaml"),
        "listen: 0.0.0.0:7400\ncluster: prod\n");
    ConfigException r = assertThrows(ConfigException.class, () -> ConfigFile.load(refused).build());
    assertTrue(r.getMessage().startsWith(refused + ": listen: "), r.getMessage());
  }

  @Test
  void toYaml_roundTripsTheNewKeys() throws Exception {
    Path access = Files.writeString(dir.resolve("access.txt"), "");
    PeerConfig c = PeerConfig.builder().insecurePlaintext(true).accessFile(access).build();
    Path file = Files.writeString(dir.resolve("out.yaml"), c.toYaml());
    assertEquals(c, ConfigFile.load(file).build());
  }

  @Test
  void build_accessFileWithPeersWithoutTls_refused() throws Exception {
    Path access = Files.writeString(dir.resolve("access.txt"), "");
    ConfigException e = assertThrows(ConfigException.class, () -> PeerConfig.builder()
        .accessFile(access).peers(java.util.List.of("127.0.0.1:7401")).build());
    assertEquals(Optional.of("access-file"), e.key());
    assertTrue(e.getMessage().contains("meridian-peer:<site>"), e.getMessage());
    assertTrue(withTls().accessFile(access).peers(java.util.List.of("127.0.0.1:7401")).build()
        .accessFile().isPresent());
    ConfigException missing = assertThrows(ConfigException.class,
        () -> PeerConfig.builder().accessFile(dir.resolve("nope.txt")).build());
    assertTrue(missing.getMessage().contains("does not exist"), missing.getMessage());
  }

  /** The daemon, through the CLI's entry point: exit code 2 and the message, nothing opened. */
  @Test
  void daemon_plaintextBeyondLoopback_exitsWithMessage() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    Path data = dir.resolve("data");
    int code = Main.run(new PrintWriter(out), new PrintWriter(err), "peer", "--data-dir",
        data.toString(), "--listen", "0.0.0.0:0", "--cluster", "prod", "--metrics", "none");
    assertEquals(Main.USAGE, code);
    assertTrue(err.toString().startsWith("meridian peer: listen: '0.0.0.0:0' is beyond loopback"),
        err.toString());
    assertTrue(err.toString().contains("--insecure-plaintext"), err.toString());
    assertFalse(Files.exists(data), "the refused daemon created its data directory");
  }

  @Test
  void daemon_defaultClusterBeyondLoopback_exitsWithMessage() {
    StringWriter err = new StringWriter();
    int code = Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err), "peer",
        "--data-dir", dir.resolve("data").toString(), "--listen", "0.0.0.0:0",
        "--insecure-plaintext", "--metrics", "none");
    assertEquals(Main.USAGE, code);
    assertTrue(err.toString().startsWith("meridian peer: cluster: listening beyond loopback"),
        err.toString());
  }
}
