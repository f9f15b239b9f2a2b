package dev.meridian.peer.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.meridian.persistence.Durability;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PeerConfigTest {
  @TempDir Path dir;

  /** Creates placeholder TLS files in {@link #dir}: build() checks they exist, not their contents. */
  private Path touch(String name) throws IOException {
    return Files.writeString(dir.resolve(name), "-----BEGIN PLACEHOLDER-----\n");
  }

  private PeerConfig.Builder withTls() throws IOException {
    return PeerConfig.builder().tlsCert(touch("peer.pem")).tlsKey(touch("peer-key.pem")).tlsCa(touch("ca.pem"));
  }

  private static ConfigException failure(PeerConfig.Builder builder) {
    return assertThrows(ConfigException.class, builder::build);
  }

  @Test
  void defaults_everySetting() {
    PeerConfig config = PeerConfig.defaults();
    assertEquals(Path.of("meridian-data").toAbsolutePath(), config.dataDir());
    assertEquals(Optional.empty(), config.site());
    assertEquals(Optional.of(HostPort.of("127.0.0.1", 7400)), config.listen());
    assertEquals(List.of(), config.peers());
    assertEquals("meridian", config.cluster());
    assertEquals(Durability.DURABLE, config.durability());
    assertEquals(Optional.empty(), config.tls());
    assertEquals(Optional.of(HostPort.of("127.0.0.1", 7480)), config.metrics());
    assertEquals(Optional.empty(), config.health());
  }

  @Test
  void builder_withNothingSet_equalsDefaults() throws ConfigException {
    assertEquals(PeerConfig.defaults(), PeerConfig.builder().build());
  }

  @Test
  void builder_setsEverySetting() throws Exception {
    PeerConfig config = withTls()
        .dataDir(dir.resolve("data"))
        .site("berlin-1")
        .listen("0.0.0.0:7401")
        .peers(List.of("10.0.0.2:7400", "[fd00::3]:7400"))
        .cluster("prod")
        .durability(Durability.ASYNC)
        .tlsAllowedPeers(List.of("berlin-2", "paris-1"))
        .metrics(HostPort.of("0.0.0.0", 9100))
        .insecurePlaintext(true)
        .build();
    assertEquals(dir.resolve("data"), config.dataDir());
    assertEquals(Optional.of("berlin-1"), config.site());
    assertEquals(Optional.of(HostPort.of("0.0.0.0", 7401)), config.listen());
    assertEquals(List.of(HostPort.of("10.0.0.2", 7400), HostPort.of("fd00::3", 7400)), config.peers());
    assertEquals("prod", config.cluster());
    assertEquals(Durability.ASYNC, config.durability());
    TlsConfig tls = config.tls().orElseThrow();
    assertEquals(dir.resolve("peer.pem"), tls.cert());
    assertEquals(dir.resolve("peer-key.pem"), tls.key());
    assertEquals(dir.resolve("ca.pem"), tls.ca());
    assertEquals(List.of("berlin-2", "paris-1"), tls.allowedPeers());
    assertEquals(Optional.of(HostPort.of("0.0.0.0", 9100)), config.metrics());
    assertTrue(config.insecurePlaintext());
  }

  @Test
  void build_none_disablesServers() throws ConfigException {
    PeerConfig config = PeerConfig.builder().listen("none").metrics("none").build();
    assertEquals(Optional.empty(), config.listen());
    assertEquals(Optional.empty(), config.metrics());
  }

  @Test
  void build_makesRelativePathsAbsolute() throws ConfigException {
    PeerConfig config = PeerConfig.builder().dataDir(Path.of("x/../data")).build();
    assertEquals(Path.of("data").toAbsolutePath(), config.dataDir());
    assertTrue(config.dataDir().isAbsolute());
  }

  @Test
  void build_badListen_namesKeyButNoFile() {
    ConfigException e = failure(PeerConfig.builder().listen("127.0.0.1"));
    assertEquals("listen: '127.0.0.1' has no port (expected host:port)", e.getMessage());
    assertEquals(ConfigException.Reason.INVALID_VALUE, e.reason());
    assertEquals(Optional.of("listen"), e.key());
    assertEquals(Optional.empty(), e.file());
  }

  @Test
  void build_badMetrics() {
    assertEquals("metrics: 'h:99999' has port 99999, out of range (expected 0..65535)",
        failure(PeerConfig.builder().metrics("h:99999")).getMessage());
  }

  @Test
  void build_metricsOnListenAddress() {
    assertEquals("metrics: '127.0.0.1:7400' is also the listen address",
        failure(PeerConfig.builder().metrics("127.0.0.1:7400")).getMessage());
  }

  @Test
  void build_bothOnPortZero_isFine() throws ConfigException {
    PeerConfig config = PeerConfig.builder().listen("127.0.0.1:0").metrics("127.0.0.1:0").build();
    assertEquals(0, config.metrics().orElseThrow().port());
  }

  @Test
  void build_badPeer_namesIndex() {
    assertEquals("peers[1]: 'localhost' has no port (expected host:port)",
        failure(PeerConfig.builder().peers(List.of("a:1", "localhost"))).getMessage());
  }

  @Test
  void build_peerOnPortZero() {
    assertEquals("peers[0]: 'a:0' has port 0, which cannot be dialed",
        failure(PeerConfig.builder().peers(List.of("a:0"))).getMessage());
  }

  @Test
  void build_repeatedPeer() {
    assertEquals("peers[2]: 'a:1' is listed twice (also peers[0])",
        failure(PeerConfig.builder().peers(List.of("a:1", "b:1", "a:1"))).getMessage());
  }

  @Test
  void build_siteValidated() throws ConfigException {
    String longest = "s".repeat(64);
    assertEquals(Optional.of(longest), PeerConfig.builder().site(longest).build().site());
    assertEquals(Optional.of("A.z_0-9"), PeerConfig.builder().site("A.z_0-9").build().site());
    String expected = " is not a valid site label (expected 1-64 characters of A-Z a-z 0-9 . _ -)";
    assertEquals("site: '" + longest + "s'" + expected, failure(PeerConfig.builder().site(longest + "s")).getMessage());
    assertEquals("site: 'has space'" + expected, failure(PeerConfig.builder().site("has space")).getMessage());
    assertEquals("site: ''" + expected, failure(PeerConfig.builder().site("")).getMessage());
  }

  @Test
  void build_siteNull_meansGenerate() throws ConfigException {
    assertEquals(Optional.empty(), PeerConfig.builder().site("x").site(null).build().site());
  }

  @Test
  void build_clusterLengthInUtf8Bytes() throws ConfigException {
    assertEquals("é".repeat(64), PeerConfig.builder().cluster("é".repeat(64)).build().cluster());
    assertEquals("cluster: '" + "é".repeat(65) + "' is 130 bytes long (expected 1-128 bytes of UTF-8)",
        failure(PeerConfig.builder().cluster("é".repeat(65))).getMessage());
    assertEquals("cluster: '' is 0 bytes long (expected 1-128 bytes of UTF-8)",
        failure(PeerConfig.builder().cluster("")).getMessage());
  }

  @Test
  void build_tlsNeedsAllThree() throws IOException {
    Path cert = touch("peer.pem");
    assertEquals("tls: cert is set but key and ca are not (give cert, key and ca, or none of them)",
        failure(PeerConfig.builder().tlsCert(cert)).getMessage());
    assertEquals("tls: cert and key are set but ca is not (give cert, key and ca, or none of them)",
        failure(PeerConfig.builder().tlsCert(cert).tlsKey(cert)).getMessage());
    assertEquals("tls: ca is set but cert and key are not (give cert, key and ca, or none of them)",
        failure(PeerConfig.builder().tlsCa(cert)).getMessage());
  }

  @Test
  void build_tlsFileMissing_namesKeyAndPath() throws IOException {
    Path missing = dir.resolve("missing-key.pem");
    ConfigException e = failure(withTls().tlsKey(missing));
    assertEquals("tls.key: '" + missing + "' does not exist", e.getMessage());
    assertEquals(Optional.of("tls.key"), e.key());
  }

  @Test
  void build_tlsFileIsDirectory() throws IOException {
    ConfigException e = failure(withTls().tlsCa(dir));
    assertEquals("tls.ca: '" + dir + "' is not a regular file", e.getMessage());
  }

  @Test
  void build_allowedPeersWithoutTls() {
    assertEquals("tls.allowed-peers: is set, but TLS is not (it needs tls.cert, tls.key and tls.ca)",
        failure(PeerConfig.builder().tlsAllowedPeers(List.of("b"))).getMessage());
  }

  @Test
  void build_allowedPeersChecked() throws IOException {
    assertEquals("tls.allowed-peers[1]: ' b' is not a certificate name (empty, or starts or ends with a space)",
        failure(withTls().tlsAllowedPeers(List.of("a", " b"))).getMessage());
    assertEquals("tls.allowed-peers[1]: 'a' is listed twice (also tls.allowed-peers[0])",
        failure(withTls().tlsAllowedPeers(List.of("a", "a"))).getMessage());
  }

  @Test
  void noTls_clearsAllFour() throws Exception {
    PeerConfig config = withTls().tlsAllowedPeers(List.of("b")).noTls().build();
    assertEquals(Optional.empty(), config.tls());
  }

  @Test
  void setters_rejectNullWhereMeaningless() {
    PeerConfig.Builder builder = PeerConfig.builder();
    assertThrows(NullPointerException.class, () -> builder.dataDir(null));
    assertThrows(NullPointerException.class, () -> builder.listen((String) null));
    assertThrows(NullPointerException.class, () -> builder.listen((HostPort) null));
    assertThrows(NullPointerException.class, () -> builder.metrics((String) null));
    assertThrows(NullPointerException.class, () -> builder.peers(null));
    assertThrows(NullPointerException.class, () -> builder.peers(java.util.Arrays.asList("a:1", null)));
    assertThrows(NullPointerException.class, () -> builder.cluster(null));
    assertThrows(NullPointerException.class, () -> builder.durability(null));
  }

  @Test
  void builder_reusableAfterBuild() throws ConfigException {
    PeerConfig.Builder builder = PeerConfig.builder().cluster("a");
    PeerConfig first = builder.build();
    PeerConfig second = builder.cluster("b").build();
    assertEquals("a", first.cluster());
    assertEquals("b", second.cluster());
  }

  @Test
  void equals_bySettings() throws Exception {
    assertEquals(withTls().site("s").build(), withTls().site("s").build());
    assertEquals(withTls().site("s").build().hashCode(), withTls().site("s").build().hashCode());
    assertNotEquals(PeerConfig.defaults(), PeerConfig.builder().site("s").build());
    assertNotEquals(PeerConfig.defaults(), PeerConfig.builder().listen("none").build());
    assertNotEquals(PeerConfig.defaults(), PeerConfig.builder().durability(Durability.ASYNC).build());
    assertNotEquals(PeerConfig.defaults(), withTls().build());
  }

  @Test
  void health_beyondLoopback_needsNoInsecurePlaintext() throws Exception {
    PeerConfig config = PeerConfig.builder().health("0.0.0.0:7401").build();
    assertEquals(Optional.of(HostPort.of("0.0.0.0", 7401)), config.health());
    assertNotEquals(PeerConfig.defaults(), config);
    assertEquals(Optional.empty(), PeerConfig.builder().health("0.0.0.0:7401").health("none")
        .build().health());
  }

  @Test
  void health_onAnotherServersAddress_isRefused() {
    assertEquals("health: '127.0.0.1:7400' is also the listen address",
        failure(PeerConfig.builder().health("127.0.0.1:7400")).getMessage());
    assertEquals("health: '127.0.0.1:7480' is also the metrics address",
        failure(PeerConfig.builder().health("127.0.0.1:7480")).getMessage());
    assertEquals("health: 'h:99999' has port 99999, out of range (expected 0..65535)",
        failure(PeerConfig.builder().health("h:99999")).getMessage());
  }

  @Test
  void toYaml_health_roundTrips() throws Exception {
    PeerConfig config = PeerConfig.builder().health("127.0.0.1:7401").build();
    String yaml = config.toYaml();
    assertTrue(yaml.endsWith("metrics: 127.0.0.1:7480\nhealth: 127.0.0.1:7401\n"), yaml);
    assertEquals(config, ConfigFile.load(Files.writeString(dir.resolve("peer.yaml"), yaml)).build());
  }

  @Test
  void toYaml_defaults() {
    String expected = "# Effective configuration of a Meridian peer\n"
        + "data-dir: " + Path.of("meridian-data").toAbsolutePath() + "\n"
        + "listen: 127.0.0.1:7400\n"
        + "peers: []\n"
        + "cluster: meridian\n"
        + "durability: durable\n"
        + "metrics: 127.0.0.1:7480\n";
    assertEquals(expected, PeerConfig.defaults().toYaml());
  }

  @Test
  void toYaml_everySetting() throws Exception {
    String yaml = withTls().site("s1").listen("none").peers(List.of("a:1", "[::1]:2"))
        .durability(Durability.ASYNC).tlsAllowedPeers(List.of("b")).build().toYaml();
    String expected = "# Effective configuration of a Meridian peer\n"
        + "data-dir: " + Path.of("meridian-data").toAbsolutePath() + "\n"
        + "site: s1\n"
        + "listen: none\n"
        + "peers:\n"
        + "  - a:1\n"
        + "  - '[::1]:2'\n"
        + "cluster: meridian\n"
        + "durability: async\n"
        + "tls:\n"
        + "  cert: " + dir.resolve("peer.pem") + "\n"
        + "  key: " + dir.resolve("peer-key.pem") + "\n"
        + "  ca: " + dir.resolve("ca.pem") + "\n"
        + "  allowed-peers:\n"
        + "    - b\n"
        + "metrics: 127.0.0.1:7480\n";
    assertEquals(expected, yaml);
  }
}
