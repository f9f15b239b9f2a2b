package dev.meridian.peer.config;

import static dev.meridian.peer.config.ConfigException.Reason.INVALID_VALUE;
import static dev.meridian.peer.config.ConfigException.Reason.SYNTAX;
import static dev.meridian.peer.config.ConfigException.Reason.UNKNOWN_KEY;
import static dev.meridian.peer.config.ConfigException.Reason.UNREADABLE;
import static dev.meridian.peer.config.ConfigException.Reason.WRONG_TYPE;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.meridian.persistence.Durability;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ConfigFileTest {
  private static final String TOP_KEYS = "valid keys: data-dir, site, listen, peers, cluster, durability, tls, metrics,"
      + " health, insecure-plaintext, access-file";

  @TempDir Path dir;

  private Path write(String name, String text) throws IOException {
    Path file = dir.resolve(name);
    Files.createDirectories(file.getParent());
    return Files.writeString(file, text);
  }

  private PeerConfig load(String text) throws IOException, ConfigException {
    return ConfigFile.load(write("config.yaml", text)).build();
  }

  /** Loads {@code text} as config.yaml, expecting a failure of this kind; returns the message. */
  private String loadFails(ConfigException.Reason reason, String text) throws IOException {
    Path file = write("config.yaml", text);
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigFile.load(file).build());
    assertEquals(reason, e.reason(), e.getMessage());
    assertEquals(Optional.of(file), e.file());
    return e.getMessage();
  }

  private String prefix() {
    return dir.resolve("config.yaml") + ": ";
  }

  private void touchTlsFiles(Path in) throws IOException {
    Files.createDirectories(in);
    for (String name : List.of("peer.pem", "peer-key.pem", "ca.pem")) {
      Files.writeString(in.resolve(name), "placeholder\n");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "\n\n", "# only a comment\n", "{}\n", "\uFEFF"})
  void load_emptyFile_givesDefaults(String text) throws Exception {
    assertEquals(PeerConfig.defaults(), load(text));
  }

  @Test
  void load_fullFile() throws Exception {
    touchTlsFiles(dir.resolve("tls"));
    PeerConfig config = load("""
        # a peer in Berlin
        data-dir: /var/lib/meridian
        site: berlin-1
        listen: 0.0.0.0:7401
        peers:
          - 10.0.0.2:7400
          - "[fd00::3]:7400"
        cluster: prod
        durability: async
        tls:
          cert: tls/peer.pem
          key: tls/peer-key.pem
          ca: tls/ca.pem
          allowed-peers: [berlin-2, paris-1]
        metrics: none
        health: 0.0.0.0:7402
        """);
    assertEquals(Path.of("/var/lib/meridian"), config.dataDir());
    assertEquals(Optional.of("berlin-1"), config.site());
    assertEquals(Optional.of(HostPort.of("0.0.0.0", 7401)), config.listen());
    assertEquals(List.of(HostPort.of("10.0.0.2", 7400), HostPort.of("fd00::3", 7400)), config.peers());
    assertEquals("prod", config.cluster());
    assertEquals(Durability.ASYNC, config.durability());
    TlsConfig tls = config.tls().orElseThrow();
    assertEquals(dir.resolve("tls/peer.pem"), tls.cert());
    assertEquals(dir.resolve("tls/peer-key.pem"), tls.key());
    assertEquals(dir.resolve("tls/ca.pem"), tls.ca());
    assertEquals(List.of("berlin-2", "paris-1"), tls.allowedPeers());
    assertEquals(Optional.empty(), config.metrics());
    assertEquals(Optional.of(HostPort.of("0.0.0.0", 7402)), config.health());
  }

  @Test
  void load_relativePaths_resolveAgainstFileDirectory() throws Exception {
    touchTlsFiles(dir.resolve("etc/certs"));
    Path file = write("etc/peer.yaml", """
        data-dir: ../data
        tls: {cert: certs/peer.pem, key: ./certs/peer-key.pem, ca: certs/../certs/ca.pem}
        """);
    PeerConfig config = ConfigFile.load(file).build();
    assertEquals(dir.resolve("data"), config.dataDir());
    assertEquals(dir.resolve("etc/certs/peer.pem"), config.tls().orElseThrow().cert());
    assertEquals(dir.resolve("etc/certs/peer-key.pem"), config.tls().orElseThrow().key());
    assertEquals(dir.resolve("etc/certs/ca.pem"), config.tls().orElseThrow().ca());
  }

  @ParameterizedTest
  @ValueSource(strings = {"durable", "DURABLE", "Durable"})
  void load_durabilityIgnoresCase(String value) throws Exception {
    assertEquals(Durability.DURABLE, load("durability: " + value + "\n").durability());
  }

  @Test
  void load_scalarsAreText_noYaml11Conversions() throws Exception {
    PeerConfig config = load("site: no\ncluster: 0755\n");
    assertEquals(Optional.of("no"), config.site());
    assertEquals("0755", config.cluster());
  }

  @Test
  void load_emptyListsAndTlsGroup_countAsEmpty() throws Exception {
    PeerConfig config = load("peers:\ntls:\n");
    assertEquals(List.of(), config.peers());
    assertEquals(Optional.empty(), config.tls());
    assertEquals(Optional.empty(), load("peers: []\ntls: {}\n").tls());
  }

  @Test
  void load_missingFile() {
    Path file = dir.resolve("absent.yaml");
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigFile.load(file));
    assertEquals(file + ": file not found", e.getMessage());
    assertEquals(UNREADABLE, e.reason());
    assertEquals(Optional.empty(), e.key());
  }

  @Test
  void load_directory() {
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigFile.load(dir));
    assertEquals(dir + ": is a directory, not a file", e.getMessage());
    assertEquals(UNREADABLE, e.reason());
  }

  @Test
  void load_notUtf8() throws IOException {
    Path file = Files.write(dir.resolve("config.yaml"), new byte[] {'s', 'i', 't', 'e', ':', ' ', (byte) 0xC3, '\n'});
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigFile.load(file));
    assertEquals(file + ": is not valid UTF-8", e.getMessage());
  }

  @Test
  void load_utf8Cluster() throws Exception {
    Path file = Files.write(dir.resolve("config.yaml"), "cluster: zürich\n".getBytes(UTF_8));
    assertEquals("zürich", ConfigFile.load(file).build().cluster());
  }

  @Test
  void load_syntaxError_givesLineAndColumn() throws IOException {
    assertEquals(prefix() + "line 2, column 6: not valid YAML: mapping values are not allowed here",
        loadFails(SYNTAX, "site: x\n  bad: indent\n"));
    assertEquals(prefix() + "line 2, column 1: not valid YAML: while parsing a flow sequence,"
            + " expected ',' or ']', but got <stream end>",
        loadFails(SYNTAX, "listen: [unclosed\n"));
  }

  @Test
  void load_severalDocuments() throws IOException {
    assertEquals(prefix() + "line 2, column 1: not valid YAML: expected a single document in the stream,"
            + " but found another document",
        loadFails(SYNTAX, "site: a\n---\nsite: b\n"));
  }

  @Test
  void load_duplicateKey() throws IOException {
    assertEquals(prefix() + "listen: given twice (lines 1 and 3)",
        loadFails(SYNTAX, "listen: a:1\nsite: s\nlisten: b:2\n"));
    assertEquals(prefix() + "tls.ca: given twice (lines 2 and 3)",
        loadFails(SYNTAX, "tls:\n  ca: a\n  ca: b\n"));
  }

  @Test
  void load_unknownKey_suggestsNearest() throws IOException {
    assertEquals(prefix() + "liste: unknown key (did you mean 'listen'?); " + TOP_KEYS,
        loadFails(UNKNOWN_KEY, "liste: 127.0.0.1:7400\n"));
    assertEquals(prefix() + "dataDir: unknown key (did you mean 'data-dir'?); " + TOP_KEYS,
        loadFails(UNKNOWN_KEY, "dataDir: x\n"));
  }

  @Test
  void load_unknownKey_withoutSuggestion() throws IOException {
    assertEquals(prefix() + "colour: unknown key; " + TOP_KEYS, loadFails(UNKNOWN_KEY, "colour: red\n"));
  }

  @Test
  void load_unknownTlsKey() throws IOException {
    assertEquals(prefix() + "tls.allowedPeers: unknown key (did you mean 'allowed-peers'?);"
            + " valid keys in tls: cert, key, ca, allowed-peers",
        loadFails(UNKNOWN_KEY, "tls:\n  allowedPeers: [a]\n"));
  }

  @Test
  void load_nonTextKey() throws IOException {
    assertEquals(prefix() + "expected a text key, got a list (line 1)", loadFails(WRONG_TYPE, "[a]: b\n"));
  }

  @Test
  void load_peersNotAList() throws IOException {
    assertEquals(prefix() + "peers: expected a list of host:port addresses, got '5'", loadFails(WRONG_TYPE, "peers: 5\n"));
    assertEquals(prefix() + "peers: expected a list of host:port addresses, got a mapping (line 1)",
        loadFails(WRONG_TYPE, "peers: {a: 1}\n"));
  }

  @Test
  void load_listElementNotText() throws IOException {
    assertEquals(prefix() + "peers[1]: expected text, got a mapping (line 1)",
        loadFails(WRONG_TYPE, "peers: [a:1, {b: 2}]\n"));
    assertEquals(prefix() + "tls.allowed-peers[0]: has no value (give one, or remove the key for the default)",
        loadFails(WRONG_TYPE, "tls:\n  allowed-peers:\n    -\n"));
  }

  @Test
  void load_scalarSettingGivenAList() throws IOException {
    assertEquals(prefix() + "listen: expected text, got a list (line 2)", loadFails(WRONG_TYPE, "listen:\n  - a:1\n"));
  }

  @Test
  void load_tlsNotAMapping() throws IOException {
    assertEquals(prefix() + "tls: expected a mapping with keys cert, key, ca, allowed-peers, got 'on'",
        loadFails(WRONG_TYPE, "tls: on\n"));
  }

  @Test
  void load_settingWithoutValue() throws IOException {
    assertEquals(prefix() + "listen: has no value (give one, or remove the key for the default)",
        loadFails(WRONG_TYPE, "listen:\n"));
    assertEquals(prefix() + "site: has no value (give one, or remove the key for the default)",
        loadFails(WRONG_TYPE, "site: ~\n"));
  }

  @Test
  void load_explicitTags_areRefused() throws IOException {
    assertEquals(prefix() + "cluster: tag !!int is not supported (expected plain text)",
        loadFails(WRONG_TYPE, "cluster: !!int 5\n"));
    String message = loadFails(SYNTAX, "site: !!java.io.File /tmp/x\n");
    assertEquals(prefix() + "line 1, column 7: not valid YAML: Global tag is not allowed: tag:yaml.org,2002:java.io.File",
        message);
  }

  @Test
  void load_documentNotAMapping() throws IOException {
    assertEquals(prefix() + "expected a mapping of settings (key: value), got a list (line 1)",
        loadFails(WRONG_TYPE, "- listen: a:1\n"));
    assertEquals(prefix() + "expected a mapping of settings (key: value), got 'listen'", loadFails(WRONG_TYPE, "listen\n"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"---\n", "~\n", "null\n", "--- # nothing\n..."})
  void load_emptyDocument(String text) throws IOException {
    assertEquals(prefix() + "the document is empty (expected a mapping of settings, key: value;"
        + " an empty file gives the defaults)", loadFails(WRONG_TYPE, text));
  }

  @Test
  void load_badAddress_namesFileAndKey() throws IOException {
    assertEquals(prefix() + "peers[1]: 'localhost' has no port (expected host:port)",
        loadFails(INVALID_VALUE, "peers:\n  - 10.0.0.2:7400\n  - localhost\n"));
    assertEquals(prefix() + "listen: '127.0.0.1' has no port (expected host:port)",
        loadFails(INVALID_VALUE, "listen: 127.0.0.1\n"));
    assertEquals(prefix() + "metrics: '::1:9100' has an IPv6 host without brackets (expected [host]:port, e.g. [::1]:7400)",
        loadFails(INVALID_VALUE, "metrics: ::1:9100\n"));
  }

  @Test
  void load_repeatedPeer() throws IOException {
    assertEquals(prefix() + "peers[1]: 'a:1' is listed twice (also peers[0])", loadFails(INVALID_VALUE, "peers: [a:1, a:1]\n"));
  }

  @Test
  void load_badDurability() throws IOException {
    assertEquals(prefix() + "durability: 'fast' is not one of durable, async", loadFails(INVALID_VALUE, "durability: fast\n"));
  }

  @Test
  void load_badSiteAndCluster() throws IOException {
    assertEquals(prefix() + "site: 'berlin 1' is not a valid site label (expected 1-64 characters of A-Z a-z 0-9 . _ -)",
        loadFails(INVALID_VALUE, "site: berlin 1\n"));
    assertEquals(prefix() + "cluster: '' is 0 bytes long (expected 1-128 bytes of UTF-8)",
        loadFails(INVALID_VALUE, "cluster: ''\n"));
  }

  @Test
  void load_emptyPath() throws IOException {
    assertEquals(prefix() + "data-dir: path is empty", loadFails(INVALID_VALUE, "data-dir: ''\n"));
  }

  @Test
  void build_tlsIncompleteInFile_namesFile() throws IOException {
    touchTlsFiles(dir);
    assertEquals(prefix() + "tls: cert and key are set but ca is not (give cert, key and ca, or none of them)",
        loadFails(INVALID_VALUE, "tls:\n  cert: peer.pem\n  key: peer-key.pem\n"));
  }

  @Test
  void build_tlsFileMissing_namesFileKeyAndPath() throws IOException {
    touchTlsFiles(dir);
    assertEquals(prefix() + "tls.cert: '" + dir.resolve("nope.pem") + "' does not exist",
        loadFails(INVALID_VALUE, "tls: {cert: nope.pem, key: peer-key.pem, ca: ca.pem}\n"));
  }

  @Test
  void build_allowedPeersWithoutTlsInFile() throws IOException {
    assertEquals(prefix() + "tls.allowed-peers: is set, but TLS is not (it needs tls.cert, tls.key and tls.ca)",
        loadFails(INVALID_VALUE, "tls:\n  allowed-peers: [a]\n"));
  }

  @Test
  void flagsOverrideFile() throws Exception {
    Path file = write("config.yaml", """
        listen: 0.0.0.0:7400
        peers: [a:1, b:1]
        cluster: from-file
        durability: async
        """);
    PeerConfig config = ConfigFile.load(file)
        .listen("127.0.0.1:9000")
        .peers(List.of("c:1"))
        .build();
    assertEquals(Optional.of(HostPort.of("127.0.0.1", 9000)), config.listen());
    assertEquals(List.of(HostPort.of("c", 1)), config.peers());
    assertEquals("from-file", config.cluster());
    assertEquals(Durability.ASYNC, config.durability());
    assertEquals(Optional.of(HostPort.of("127.0.0.1", 7480)), config.metrics());
  }

  @Test
  void flagsOverrideFile_flagErrorDoesNotBlameFile() throws IOException {
    Path file = write("config.yaml", "site: fine\n");
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigFile.load(file).site("not fine").build());
    assertEquals("site: 'not fine' is not a valid site label (expected 1-64 characters of A-Z a-z 0-9 . _ -)",
        e.getMessage());
    assertEquals(Optional.empty(), e.file());
  }

  @Test
  void flagsOverrideFile_canCompleteOrClearTls() throws Exception {
    touchTlsFiles(dir);
    Path file = write("config.yaml", "tls: {cert: peer.pem, key: peer-key.pem}\n");
    PeerConfig completed = ConfigFile.load(file).tlsCa(dir.resolve("ca.pem")).build();
    assertEquals(dir.resolve("ca.pem"), completed.tls().orElseThrow().ca());
    assertEquals(Optional.empty(), ConfigFile.load(file).noTls().build().tls());
  }

  @Test
  void toYaml_roundTrips_fromAnotherDirectory() throws Exception {
    touchTlsFiles(dir.resolve("tls"));
    PeerConfig original = load("""
        data-dir: data
        site: "null"
        listen: "[::1]:0"
        peers: [a:1, "[fd00::3]:7400"]
        cluster: "yes: really # not a comment"
        durability: ASYNC
        tls: {cert: tls/peer.pem, key: tls/peer-key.pem, ca: tls/ca.pem, allowed-peers: ["true", b]}
        metrics: none
        """);
    Path copy = write("elsewhere/printed.yaml", original.toYaml());
    PeerConfig reloaded = ConfigFile.load(copy).build();
    assertEquals(original, reloaded);
    assertEquals(Optional.of("null"), reloaded.site());
    assertEquals("yes: really # not a comment", reloaded.cluster());
  }

  @Test
  void toYaml_roundTrips_defaults() throws Exception {
    assertEquals(PeerConfig.defaults(), ConfigFile.load(write("printed.yaml", PeerConfig.defaults().toYaml())).build());
  }
}
