package dev.meridian.peer.access;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The access file's rules, its errors (file and line), grants, and reloading. */
class AccessRulesTest {
  @TempDir Path dir;

  private static final String HASH = Tokens.sha256Hex("secret");

  private static String parseError(String text) {
    return assertThrows(IllegalArgumentException.class, () -> AccessRules.parse(text, "a.txt"))
        .getMessage();
  }

  @Test
  void parse_everyKind() {
    AccessRules r = AccessRules.parse("""
        # comment

        token  ops  sha256:%s  admin:*
        client billing read:carts/* write:carts/billing/  # trailing comment
        peer   faro read:*
        """.formatted(HASH), "a.txt");
    Principal ops = r.token(HASH).orElseThrow();
    assertEquals("token 'ops'", ops.toString());
    assertTrue(ops.allows(Role.READ, "anything") && ops.allows(Role.ADMIN, ""));
    Principal billing = r.client("billing").orElseThrow();
    assertEquals(List.of(new Grant(Role.READ, "carts/"), new Grant(Role.WRITE, "carts/billing/")),
        billing.grants());
    assertTrue(billing.allows(Role.WRITE, "carts/billing/7"));
    assertFalse(billing.allows(Role.WRITE, "carts/7"));
    assertFalse(billing.allows(Role.READ, "cart"));
    assertFalse(billing.allows(Role.READ, ""), "a prefix grant does not cover every key");
    assertTrue(r.peer("faro").isPresent());
    assertTrue(r.peer("porto").isEmpty());
    assertTrue(r.client("faro").isEmpty(), "kinds do not mix");
  }

  @Test
  void authenticate_bearerSchemeInAnyCase_andNothingElse() {
    AccessControl c = AccessControl.fixed(AccessRules.parse("token ops sha256:" + HASH
        + " read:*", "a.txt"));
    assertEquals("token 'ops'", c.authenticate("bearer secret", null).principal().toString());
    assertEquals("token 'ops'", c.authenticate("Bearer secret", null).principal().toString());
    assertEquals("malformed-credential", c.authenticate("Basic secret", null).refusal().reason());
    assertEquals("malformed-credential", c.authenticate("Bearer  ", null).refusal().reason());
    assertEquals("unknown-token", c.authenticate("Bearer other", null).refusal().reason());
    assertEquals("no-credential", c.authenticate(null, null).refusal().reason());
  }

  @Test
  void roles_coverTheOnesBefore() {
    assertTrue(Role.ADMIN.covers(Role.WRITE) && Role.WRITE.covers(Role.READ));
    assertFalse(Role.READ.covers(Role.WRITE));
    assertFalse(Role.WRITE.covers(Role.ADMIN));
    assertEquals(new Grant(Role.WRITE, "carts/"), Grant.parse("write:carts/"));
    assertEquals("read:*", Grant.parse("read:*").toString());
  }

  @Test
  void parse_errorsNameFileLineAndWhat() {
    assertEquals("a.txt:2: unknown rule kind 'user' (expected token, client or peer)",
        parseError("\nuser x read:*\n"));
    assertTrue(parseError("token x sha256:ABC read:*").startsWith("a.txt:1: token 'x' needs"));
    assertEquals("a.txt:1: client certificate 'x' has no grant (e.g. read:users/* or write:carts/*)",
        parseError("client x"));
    assertTrue(parseError("client x own:*").contains("has role 'own'"));
    assertTrue(parseError("client x carts/").contains("is not role:prefix"));
    assertEquals("a.txt:2: client certificate 'x' is given twice",
        parseError("client x read:*\nclient x read:a\n"));
    assertTrue(parseError("token a sha256:" + HASH + " read:*\ntoken b sha256:" + HASH
        + " read:*").contains("has the hash of token 'a'"));
    assertTrue(parseError("peer bad/name read:*").contains("is not 1 to 64"));
  }

  @Test
  void reload_badFile_keepsTheRulesBefore_thenTakesTheFixedOne() throws Exception {
    Path file = Files.writeString(dir.resolve("access.txt"), "client a read:*\n");
    try (AccessControl c = AccessControl.watching(file, Duration.ofMillis(20))) {
      Files.writeString(file, "client a read:*\nclient b\n");
      long deadline = System.nanoTime() + 5_000_000_000L;
      while (c.reloadFailures() == 0 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertEquals(1, c.reloadFailures());
      Thread.sleep(100);
      assertEquals(1, c.reloadFailures(), "one failure per bad content, not per check");
      assertTrue(c.rules().client("a").isPresent(), "the rules before stay");
      Files.writeString(file, "client b read:*\n");
      while (c.rules().client("b").isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertTrue(c.rules().client("b").isPresent());
      assertTrue(c.rules().client("a").isEmpty(), "a, removed, is revoked");
    }
  }
}
