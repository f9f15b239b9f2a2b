package dev.meridian.peer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.meridian.peer.Meridian;
import dev.meridian.peer.access.AccessControl;
import dev.meridian.peer.access.Tokens;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI's token: from {@code MERIDIAN_TOKEN} or {@code --token-file}, never a flag of its own;
 * against a real peer on loopback in plaintext with an access file, with {@code meridian token
 * new} making the token and its line.
 */
class CliTokenTest {
  @TempDir Path dir;

  private Meridian peer;
  private String token;

  @BeforeEach
  void start() throws Exception {
    FakePeer.Result made = FakePeer.run("token", "new", "cli", "write:carts/*");
    assertEquals(0, made.code(), made.toString());
    Matcher m = Pattern.compile("token: (\\S+)\naccess line: (token cli sha256:[0-9a-f]{64}"
        + " write:carts/\\*)\n").matcher(made.out());
    assertTrue(m.matches(), made.out());
    token = m.group(1);
    Path access = Files.writeString(dir.resolve("access.txt"), m.group(2) + "\n");
    peer = Meridian.builder().dataDir(dir.resolve("data")).listen("127.0.0.1:0")
        .accessControl(AccessControl.watching(access, Duration.ofSeconds(1))).open();
  }

  @AfterEach
  void stop() {
    peer.close();
  }

  private FakePeer.Result cli(Map<String, String> env, String... args) {
    String[] all = new String[args.length + 2];
    System.arraycopy(args, 0, all, 0, args.length);
    all[args.length] = "--peer";
    all[args.length + 1] = peer.listenAddress();
    return FakePeer.run(env, all);
  }

  @Test
  void tokenFromEnvironment_isSent() {
    FakePeer.Result u = cli(Map.of("MERIDIAN_TOKEN", token), "update", "carts/1", "set", "n",
        "1");
    assertEquals(0, u.code(), u.toString());
    assertTrue(peer.get("carts/1").isPresent());
  }

  @Test
  void tokenFromFile_isSent_andWinsOverTheEnvironment() throws Exception {
    Path file = Files.writeString(dir.resolve("cli.token"), token + "\n");
    FakePeer.Result u = cli(Map.of("MERIDIAN_TOKEN", "not-this-one"), "update", "carts/2",
        "--token-file", file.toString(), "set", "n", "1");
    assertEquals(0, u.code(), u.toString());
    assertTrue(peer.get("carts/2").isPresent());
  }

  @Test
  void noToken_refusedWithTheReason() {
    FakePeer.Result u = cli(Map.of(), "update", "carts/3", "set", "n", "1");
    assertEquals(Main.FAILED, u.code(), u.toString());
    assertTrue(u.err().startsWith("meridian: UNAUTHENTICATED: no credential"), u.err());
    assertTrue(u.err().contains("$MERIDIAN_TOKEN or --token-file"), u.err());
    assertTrue(peer.get("carts/3").isEmpty());
  }

  @Test
  void tokenOutsideItsGrant_permissionDenied() {
    FakePeer.Result u = cli(Map.of("MERIDIAN_TOKEN", token), "update", "users/x", "set", "n",
        "1");
    assertEquals(Main.FAILED, u.code(), u.toString());
    assertTrue(u.err().startsWith("meridian: PERMISSION_DENIED: token 'cli' may not write"
        + " 'users/x'"), u.err());
    assertFalse(u.err().contains(token));
  }

  @Test
  void emptyOrMissingTokenFile_isAUsageError() throws Exception {
    Path empty = Files.writeString(dir.resolve("empty.token"), "\n");
    FakePeer.Result e = cli(Map.of(), "get", "carts/1", "--token-file", empty.toString());
    assertEquals(Main.USAGE, e.code(), e.toString());
    assertTrue(e.err().contains("is empty"), e.err());
    FakePeer.Result m = cli(Map.of(), "get", "carts/1", "--token-file",
        dir.resolve("none").toString());
    assertEquals(Main.USAGE, m.code(), m.toString());
    assertTrue(m.err().contains("cannot read --token-file"), m.err());
  }

  @Test
  void noTokenFlag_onTheCommandLine() {
    FakePeer.Result r = cli(Map.of(), "get", "carts/1", "--token", token);
    assertEquals(Main.USAGE, r.code(), r.toString());
  }

  @Test
  void tokenHash_fromFileOrEnvironment_isTheSha256() throws Exception {
    String expected = Tokens.SHA256 + Tokens.sha256Hex(token) + "\n";
    assertEquals("sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        Tokens.SHA256 + Tokens.sha256Hex("test"), "SHA-256 of 'test', as sha256sum prints it");
    Path file = Files.writeString(dir.resolve("t"), token + "\n");
    assertEquals(expected, FakePeer.run("token", "hash", "--token-file", file.toString()).out());
    assertEquals(expected, FakePeer.run(Map.of("MERIDIAN_TOKEN", token), "token", "hash").out());
  }

  @Test
  void tokenNew_badGrant_isAUsageError() {
    FakePeer.Result r = FakePeer.run("token", "new", "x", "own:carts/*");
    assertEquals(Main.USAGE, r.code(), r.toString());
    assertTrue(r.err().contains("has role 'own'"), r.err());
  }

  @Test
  void daemon_badAccessFile_exitsNamingTheLine() throws Exception {
    Path bad = Files.writeString(dir.resolve("bad.txt"), "# ok\ntoken x sha256:abc read:*\n");
    FakePeer.Result r = FakePeer.run("peer", "--data-dir", dir.resolve("d2").toString(),
        "--listen", "127.0.0.1:0", "--metrics", "none", "--access-file", bad.toString());
    assertEquals(Main.USAGE, r.code(), r.toString());
    assertTrue(r.err().startsWith("meridian peer: " + bad + ":2: token 'x' needs its hash"),
        r.err());
  }
}
