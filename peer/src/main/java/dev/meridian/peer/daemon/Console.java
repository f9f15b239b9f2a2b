package dev.meridian.peer.daemon;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.sun.net.httpserver.HttpExchange;
import dev.meridian.crdt.doc.Conflict;
import dev.meridian.crdt.doc.Document;
import dev.meridian.peer.Meridian;
import dev.meridian.transport.sync.PeerStats;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The web console of a peer, served by {@link MetricsServer} on the metrics port: a read-only page
 * at {@code /} (with {@code /console.js} and {@code /console.css}, bundled in the jar, nothing
 * fetched from elsewhere) and the JSON endpoints it polls.
 *
 * <ul>
 *   <li>{@code GET /api/status}: the peer's identity (site, replica id, listen address), health
 *       ({@code serving} whenever it answers, as {@code /healthz}; 503 while the peer closes),
 *       counters (local writes, deltas in and out) and its peers, one entry per peer (streams to
 *       and from the same replica are merged: the best state, the highest lag, summed deltas).
 *   <li>{@code GET /api/documents?prefix=&after=&limit=}: one page of keys ({@link Meridian#list});
 *       {@code limit} 1 to {@value #MAX_PAGE}, default {@value #DEFAULT_PAGE}.
 *   <li>{@code GET /api/document?key=}: the document's JSON ({@link Document#toJson}) and its
 *       conflicts ({@link Document#conflicts}: concurrent register values, or values of different
 *       types under one name). JSON past {@value #MAX_JSON_CHARS} characters is cut and flagged
 *       {@code truncated}, as is each conflicting value past {@value #MAX_VALUE_CHARS}; at most
 *       {@value #MAX_CONFLICTS} conflicts are listed.
 * </ul>
 *
 * <p>Bad input gets a 4xx with {@code {"error": "..."}}: 400 for a bad limit or a key or prefix
 * that is empty where one is needed or over {@value #MAX_KEY_BYTES} UTF-8 bytes, 404 for a key with
 * no document and for unknown paths. Access control is the caller's ({@link MetricsServer} checks
 * the {@code /api/} paths as it checks {@code /metrics}); the static assets are served to anyone.
 * The console never writes.
 */
final class Console {
  /*
   * Design notes.
   * [1] Runs on MetricsServer's single executor thread: one request at a time, each bounded
   *     (list reads at most Meridian.LIST_SCAN documents; a document reply is cut at
   *     MAX_JSON_CHARS), so a large store or document cannot stall the metrics scrape for long.
   * [2] Deltas in/out are sums over the current streams, which restart at zero with each stream;
   *     the page computes rates from successive samples and treats a decrease as a restart.
   */
  static final int DEFAULT_PAGE = 50;
  static final int MAX_PAGE = 500;
  static final int MAX_KEY_BYTES = 1024;
  static final int MAX_JSON_CHARS = 256 * 1024;
  static final int MAX_VALUE_CHARS = 4096;
  static final int MAX_CONFLICTS = 100;

  private static final Map<String, String[]> ASSETS = Map.of(
      "/", new String[] {"index.html", "text/html; charset=utf-8"},
      "/index.html", new String[] {"index.html", "text/html; charset=utf-8"},
      "/console.js", new String[] {"console.js", "text/javascript; charset=utf-8"},
      "/console.css", new String[] {"console.css", "text/css; charset=utf-8"});
  private static final Map<String, Integer> STATE_RANK =
      Map.of("OPEN", 4, "HANDSHAKE", 3, "CLOSING", 2, "CLOSED", 1, Meridian.DOWN, 0);

  private final Meridian peer;
  private final Gson gson = new GsonBuilder().serializeNulls().disableHtmlEscaping().create();

  Console(Meridian peer) {
    this.peer = peer;
  }

  /** True for the paths of the page's static assets (served without a token). */
  static boolean isAsset(String path) {
    return ASSETS.containsKey(path);
  }

  /** Serves a static asset from the jar's {@code dev/meridian/peer/daemon/console/}. */
  void serveAsset(HttpExchange exchange, String path) throws IOException {
    String[] asset = ASSETS.get(path);
    byte[] body;
    try (InputStream in = Console.class.getResourceAsStream("console/" + asset[0])) {
      if (in == null) {
        throw new IOException("console asset missing from the jar: " + asset[0]);
      }
      body = in.readAllBytes();
    }
    exchange.getResponseHeaders().set("Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'");
    MetricsServer.reply(exchange, 200, asset[1], body);
  }

  /** Answers a {@code /api/...} request (access control already checked). */
  void serveApi(HttpExchange exchange, String path) throws IOException {
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    Map<String, String> query;
    try {
      query = query(exchange.getRequestURI().getRawQuery());
    } catch (IllegalArgumentException e) { // the JDK's server refuses most of these itself
      error(exchange, 400, "the query string is not valid URL encoding");
      return;
    }
    try {
      switch (path) {
        case "/api/status" -> json(exchange, 200, status());
        case "/api/documents" -> documents(exchange, query);
        case "/api/document" -> document(exchange, query);
        default -> error(exchange, 404, "no such endpoint: " + path
            + " (there are /api/status, /api/documents, /api/document)");
      }
    } catch (IllegalStateException e) { // the peer is closing
      error(exchange, 503, "the peer cannot answer: " + e.getMessage());
    }
  }

  private JsonObject status() {
    Meridian.Status s = peer.status();
    JsonObject out = new JsonObject();
    out.addProperty("site", s.site());
    out.addProperty("replicaId", s.replicaId());
    out.addProperty("listenAddress", s.listenAddress());
    out.addProperty("health", "serving");
    out.addProperty("documents", s.documents());
    out.addProperty("sizeOnDisk", s.sizeOnDisk());
    out.addProperty("localWrites", s.localWrites());
    long in = 0;
    long outDeltas = 0;
    for (PeerStats p : s.peers()) {
      in += p.deltasIn();
      outDeltas += p.deltasOut();
    }
    out.addProperty("deltasIn", in);
    out.addProperty("deltasOut", outDeltas);
    out.add("peers", peers(s.peers()));
    out.addProperty("time", System.currentTimeMillis());
    return out;
  }

  /** One entry per peer replica (or per address while its replica is unknown), in seen order. */
  private static JsonArray peers(List<PeerStats> streams) {
    Map<String, JsonObject> byPeer = new LinkedHashMap<>();
    Map<String, Integer> rank = new HashMap<>();
    for (PeerStats p : streams) {
      String id = p.peer() == null ? "address:" + p.address() : p.peer().toString();
      JsonObject e = byPeer.get(id);
      int r = STATE_RANK.getOrDefault(p.state(), 0);
      if (e == null) {
        e = new JsonObject();
        e.addProperty("replicaId", p.peer() == null ? null : p.peer().toString());
        e.add("addresses", new JsonArray());
        e.addProperty("state", p.state());
        e.addProperty("lag", p.lagDots());
        e.addProperty("deltasIn", 0L);
        e.addProperty("deltasOut", 0L);
        e.addProperty("streams", 0);
        byPeer.put(id, e);
        rank.put(id, r);
      } else if (r > rank.get(id)) {
        e.addProperty("state", p.state());
        rank.put(id, r);
      }
      String dir = Meridian.DOWN.equals(p.state()) ? "configured" : p.outbound() ? "out" : "in";
      e.getAsJsonArray("addresses").add(p.address() + " (" + dir + ")");
      e.addProperty("lag", Math.max(e.get("lag").getAsLong(), p.lagDots()));
      e.addProperty("deltasIn", e.get("deltasIn").getAsLong() + p.deltasIn());
      e.addProperty("deltasOut", e.get("deltasOut").getAsLong() + p.deltasOut());
      if (!Meridian.DOWN.equals(p.state())) {
        e.addProperty("streams", e.get("streams").getAsInt() + 1);
      }
    }
    JsonArray out = new JsonArray();
    byPeer.values().forEach(out::add);
    return out;
  }

  private void documents(HttpExchange exchange, Map<String, String> q) throws IOException {
    String prefix = q.getOrDefault("prefix", "");
    String after = q.get("after");
    if (utf8Length(prefix) > MAX_KEY_BYTES) {
      error(exchange, 400, "prefix is longer than a key can be (" + MAX_KEY_BYTES + " bytes)");
      return;
    }
    if (after != null && after.isEmpty()) {
      after = null;
    }
    if (after != null && utf8Length(after) > MAX_KEY_BYTES) {
      error(exchange, 400, "after is longer than a key can be (" + MAX_KEY_BYTES + " bytes)");
      return;
    }
    int limit = DEFAULT_PAGE;
    String l = q.get("limit");
    if (l != null && !l.isEmpty()) {
      try {
        limit = Integer.parseInt(l);
      } catch (NumberFormatException e) {
        limit = -1;
      }
      if (limit < 1 || limit > MAX_PAGE) {
        error(exchange, 400, "limit must be a whole number from 1 to " + MAX_PAGE + ", not '"
            + abbreviate(l, 40) + "'");
        return;
      }
    }
    Meridian.Page page = peer.list(prefix, after, limit);
    JsonObject out = new JsonObject();
    out.addProperty("prefix", prefix);
    JsonArray keys = new JsonArray();
    page.keys().forEach(keys::add);
    out.add("keys", keys);
    out.addProperty("next", page.next());
    json(exchange, 200, out);
  }

  private void document(HttpExchange exchange, Map<String, String> q) throws IOException {
    String key = q.get("key");
    if (key == null || key.isEmpty()) {
      error(exchange, 400, "say which document: /api/document?key=<key>");
      return;
    }
    if (utf8Length(key) > MAX_KEY_BYTES) {
      error(exchange, 400, "a key is at most " + MAX_KEY_BYTES + " bytes of UTF-8; this one is "
          + utf8Length(key));
      return;
    }
    Optional<Document> doc;
    try {
      doc = peer.get(key);
    } catch (IllegalArgumentException e) {
      error(exchange, 400, "not a valid key: " + e.getMessage());
      return;
    }
    if (doc.isEmpty()) {
      error(exchange, 404, "no document at key '" + abbreviate(key, 200) + "'");
      return;
    }
    String text = doc.get().toJson();
    JsonObject out = new JsonObject();
    out.addProperty("key", key);
    out.addProperty("jsonChars", text.length());
    out.addProperty("truncated", text.length() > MAX_JSON_CHARS);
    out.addProperty("json", abbreviate(text, MAX_JSON_CHARS));
    List<Conflict> conflicts = doc.get().conflicts();
    JsonArray cs = new JsonArray();
    for (Conflict c : conflicts.subList(0, Math.min(conflicts.size(), MAX_CONFLICTS))) {
      JsonObject co = new JsonObject();
      co.addProperty("path", c.path());
      JsonArray cands = new JsonArray();
      for (Conflict.Candidate cand : c.candidates()) {
        String v = gson.toJson(cand.value());
        JsonObject ca = new JsonObject();
        ca.addProperty("type", cand.type().toString());
        ca.addProperty("value", abbreviate(v, MAX_VALUE_CHARS));
        ca.addProperty("truncated", v.length() > MAX_VALUE_CHARS);
        cands.add(ca);
      }
      co.add("candidates", cands);
      cs.add(co);
    }
    out.add("conflicts", cs);
    out.addProperty("conflictsTotal", conflicts.size());
    json(exchange, 200, out);
  }

  private void json(HttpExchange exchange, int code, JsonObject body) throws IOException {
    MetricsServer.reply(exchange, code, "application/json; charset=utf-8",
        gson.toJson(body).getBytes(StandardCharsets.UTF_8));
  }

  private void error(HttpExchange exchange, int code, String message) throws IOException {
    JsonObject o = new JsonObject();
    o.addProperty("error", message);
    json(exchange, code, o);
  }

  /** The query's parameters, the first of each name kept. */
  private static Map<String, String> query(String raw) {
    Map<String, String> out = new HashMap<>();
    if (raw == null || raw.isEmpty()) {
      return out;
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      out.putIfAbsent(name, value);
    }
    return out;
  }

  private static int utf8Length(String s) {
    return s.getBytes(StandardCharsets.UTF_8).length;
  }

  /** The first {@code max} chars of {@code s} (one fewer rather than split a surrogate pair). */
  private static String abbreviate(String s, int max) {
    if (s.length() <= max) {
      return s;
    }
    return s.substring(0, Character.isHighSurrogate(s.charAt(max - 1)) ? max - 1 : max);
  }
}
