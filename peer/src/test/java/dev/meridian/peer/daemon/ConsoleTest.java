package dev.meridian.peer.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.meridian.peer.Meridian;
import dev.meridian.peer.TestPeers;
import dev.meridian.peer.access.AccessControl;
import dev.meridian.peer.access.AccessRules;
import dev.meridian.peer.access.Tokens;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console's JSON endpoints and assets over real HTTP on 127.0.0.1: identity and peers in
 * {@code /api/status}, paging in {@code /api/documents}, a document with its conflicts and its
 * size bound in {@code /api/document}, 4xx with our message for bad input, and the same token as
 * {@code /metrics} under access control (assets open).
 */
class ConsoleTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir
  Path dir;

  @Test
  void status_showsIdentityAndPeers() throws Exception {
    try (Meridian a = TestPeers.open(dir, "a", List.of());
        Meridian b = TestPeers.open(dir, "b", List.of(a.listenAddress()));
        MetricsServer server = MetricsServer.start(b, loopback())) {
      b.update("k", d -> d.set("v", 1)).join();
      TestPeers.await("a holds b's write", 30, () -> a.get("k").isPresent());
      JsonObject s = json(get(server, "/api/status", null), 200);
      assertEquals("b", s.get("site").getAsString());
      assertEquals(b.replicaId(), s.get("replicaId").getAsString());
      assertEquals(b.listenAddress(), s.get("listenAddress").getAsString());
      assertEquals("serving", s.get("health").getAsString());
      assertEquals(1, s.get("localWrites").getAsLong());
      JsonArray peers = s.getAsJsonArray("peers");
      assertEquals(1, peers.size(), s.toString());
      JsonObject p = peers.get(0).getAsJsonObject();
      assertEquals(a.replicaId(), p.get("replicaId").getAsString());
      assertEquals("OPEN", p.get("state").getAsString());
    }
  }

  @Test
  void status_showsAStoppedConfiguredPeerAsDown() throws Exception {
    try (Meridian a = TestPeers.open(dir, "a", List.of())) {
      String address = a.listenAddress();
      try (Meridian b = TestPeers.open(dir, "b", List.of(address));
          MetricsServer server = MetricsServer.start(b, loopback())) {
        TestPeers.await("b's stream to a is open", 30, () -> state(server).equals("OPEN"));
        a.close();
        TestPeers.await("b shows a as DOWN", 10, () -> state(server).equals(Meridian.DOWN));
      }
    }
  }

  @Test
  void documents_pagesByPrefixAndRefusesBadLimits() throws Exception {
    try (Meridian a = TestPeers.open(dir, "a", List.of());
        MetricsServer server = MetricsServer.start(a, loopback())) {
      for (int i = 0; i < 7; i++) {
        int n = i;
        a.update("carts/" + i, d -> d.set("n", n)).join();
      }
      a.update("users/ada", d -> d.set("name", "Ada")).join();
      List<String> seen = new ArrayList<>();
      String after = "";
      int pages = 0;
      do {
        JsonObject page = json(get(server, "/api/documents?prefix=carts/&limit=3&after="
            + enc(after), null), 200);
        page.getAsJsonArray("keys").forEach(k -> seen.add(k.getAsString()));
        after = page.get("next").isJsonNull() ? null : page.get("next").getAsString();
        pages++;
      } while (after != null);
      assertEquals(List.of("carts/0", "carts/1", "carts/2", "carts/3", "carts/4", "carts/5",
          "carts/6"), seen);
      assertEquals(3, pages);
      assertEquals(8, json(get(server, "/api/documents", null), 200).getAsJsonArray("keys")
          .size());

      for (String bad : List.of("0", "501", "-1", "ten", "1e3")) {
        assertError(get(server, "/api/documents?limit=" + bad, null), 400,
            "limit must be a whole number from 1 to 500");
      }
      assertEquals(8, json(get(server, "/api/documents?limit=500", null), 200)
          .getAsJsonArray("keys").size(), "the largest page is allowed");
      assertError(get(server, "/api/documents?prefix=" + "p".repeat(1025), null), 400,
          "prefix is longer than a key can be");
      // The JDK's server refuses a request URI with a broken escape before the console sees it.
      String raw = rawGet(server, "/api/documents?prefix=%zz");
      assertTrue(raw.startsWith("HTTP/1.1 400"), raw);
    }
  }

  @Test
  void document_showsJsonAndConflicts() throws Exception {
    try (Meridian a = TestPeers.open(dir, "a", List.of());
        Meridian b = TestPeers.open(dir, "b", List.of());
        MetricsServer server = MetricsServer.start(a, loopback())) {
      // Concurrent writes of one register on two unconnected peers, then joined: a conflict.
      a.update("k", d -> d.set("colour", "red")).join();
      b.update("k", d -> d.set("colour", "blue")).join();
      try (Meridian joined = TestPeers.open(dir, "c", List.of(a.listenAddress(),
          b.listenAddress()))) {
        TestPeers.await("a holds both values", 30, () -> a.get("k").orElseThrow().conflicts()
            .size() == 1);
      }
      JsonObject d = json(get(server, "/api/document?key=k", null), 200);
      assertEquals("k", d.get("key").getAsString());
      assertEquals(a.get("k").orElseThrow().toJson(), d.get("json").getAsString());
      assertFalse(d.get("truncated").getAsBoolean());
      assertEquals(1, d.get("conflictsTotal").getAsInt());
      JsonObject c = d.getAsJsonArray("conflicts").get(0).getAsJsonObject();
      assertEquals("colour", c.get("path").getAsString());
      List<String> values = new ArrayList<>();
      c.getAsJsonArray("candidates").forEach(x -> values.add(
          x.getAsJsonObject().get("value").getAsString()));
      assertEquals(2, values.size());
      assertTrue(values.containsAll(List.of("\"red\"", "\"blue\"")), values.toString());
      assertTrue(d.get("json").getAsString().contains(values.get(0)),
          "the first candidate is the one the JSON shows");
    }
  }

  @Test
  void document_refusesBadKeysAndCutsLargeDocuments() throws Exception {
    try (Meridian a = TestPeers.open(dir, "a", List.of());
        MetricsServer server = MetricsServer.start(a, loopback())) {
      String big = "x".repeat(Console.MAX_JSON_CHARS + 1000);
      a.update("big", d -> d.set("text", big)).join();
      JsonObject d = json(get(server, "/api/document?key=big", null), 200);
      assertTrue(d.get("truncated").getAsBoolean());
      assertEquals(Console.MAX_JSON_CHARS, d.get("json").getAsString().length());
      assertEquals(a.get("big").orElseThrow().toJson().length(), d.get("jsonChars").getAsInt());

      assertError(get(server, "/api/document?key=nothing/here", null), 404,
          "no document at key 'nothing/here'");
      assertError(get(server, "/api/document", null), 400, "say which document");
      assertError(get(server, "/api/document?key=", null), 400, "say which document");
      assertError(get(server, "/api/document?key=" + "k".repeat(1025), null), 400,
          "a key is at most 1024 bytes of UTF-8; this one is 1025");
      assertError(get(server, "/api/nothing", null), 404, "no such endpoint: /api/nothing");
    }
  }

  @Test
  void accessControl_apiNeedsAnAdminTokenAndAssetsStayOpen() throws Exception {
    String admin = Tokens.generate();
    String reader = Tokens.generate();
    AccessRules rules = AccessRules.parse(
        "token admin sha256:" + Tokens.sha256Hex(admin) + " admin:*\n"
        + "token reader sha256:" + Tokens.sha256Hex(reader) + " read:*\n", "test");
    try (Meridian a = Meridian.builder().dataDir(dir.resolve("a")).listen("127.0.0.1:0")
        .accessControl(AccessControl.fixed(rules)).open();
        MetricsServer server = MetricsServer.start(a, loopback())) {
      a.update("k", d -> d.set("v", 1)).join();
      for (String path : List.of("/api/status", "/api/documents", "/api/document?key=k")) {
        assertEquals(401, get(server, path, null).statusCode(), path);
        assertEquals(401, get(server, path, "not-a-token").statusCode(), path);
        assertEquals(403, get(server, path, reader).statusCode(), path);
        assertEquals(200, get(server, path, admin).statusCode(), path);
      }
      for (String path : List.of("/", "/console.js", "/console.css")) {
        HttpResponse<String> r = get(server, path, null);
        assertEquals(200, r.statusCode(), path);
        assertTrue(r.headers().firstValue("Content-Security-Policy").orElse("")
            .startsWith("default-src 'self'"), path);
      }
    }
  }

  @Test
  void assets_areBundledAndFetchNothingFromElsewhere() throws Exception {
    try (Meridian a = TestPeers.open(dir, "a", List.of());
        MetricsServer server = MetricsServer.start(a, loopback())) {
      for (String path : List.of("/", "/console.js", "/console.css")) {
        HttpResponse<String> r = get(server, path, null);
        assertEquals(200, r.statusCode(), path);
        assertFalse(r.body().contains("http://") || r.body().contains("https://")
            || r.body().contains("//cdn"), path + " refers to another origin");
      }
      assertTrue(get(server, "/", null).body().contains("<script src=\"console.js\""));
    }
  }

  // ---- helpers ----------------------------------------------------------------------------------

  private static InetSocketAddress loopback() {
    return new InetSocketAddress("127.0.0.1", 0);
  }

  private static String state(MetricsServer server) {
    try {
      JsonArray peers = json(get(server, "/api/status", null), 200).getAsJsonArray("peers");
      return peers.isEmpty() ? "" : peers.get(0).getAsJsonObject().get("state").getAsString();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static String enc(String s) {
    return s == null ? "" : URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  static HttpResponse<String> get(MetricsServer server, String path, String token)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + server.port() + path));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Sends a request line that java.net.URI refuses to build; returns the whole response. */
  private static String rawGet(MetricsServer server, String target) throws Exception {
    try (Socket s = new Socket("127.0.0.1", server.port())) {
      s.getOutputStream().write(("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
          + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static JsonObject json(HttpResponse<String> r, int code) {
    assertEquals(code, r.statusCode(), r.body());
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
    return JsonParser.parseString(r.body()).getAsJsonObject();
  }

  private static void assertError(HttpResponse<String> r, int code, String message) {
    JsonObject o = json(r, code);
    assertTrue(o.get("error").getAsString().contains(message), o.toString());
  }
}
