package dev.meridian.peer.daemon;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.meridian.peer.Meridian;
import dev.meridian.peer.access.AccessControl;
import io.grpc.Status;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves a peer's metrics over HTTP for Prometheus: {@code GET /metrics} in the text exposition
 * format 0.0.4, {@code GET /healthz} answers {@code ok}. Anything else is 404; methods other than
 * GET and HEAD are 405. Under access control ({@link Meridian#accessControl()}) {@code /metrics}
 * needs {@code Authorization: Bearer <token>} of a holder of {@code admin:*}: 401 without an
 * accepted token, 403 without the grant, each audited and counted; {@code /healthz} stays open.
 * The web console ({@link Console}) is served at {@code /} with its JSON under {@code /api/},
 * which needs the same token as {@code /metrics}; the console's static assets stay open.
 */
public final class MetricsServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(MetricsServer.class);
  private final HttpServer server;
  private final ExecutorService executor;

  private MetricsServer(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  /**
   * Starts serving {@code peer}'s metrics on {@code address} (port 0 picks a free one).
   *
   * @throws IOException if the address cannot be bound, with a message naming it
   */
  public static MetricsServer start(Meridian peer, InetSocketAddress address) throws IOException {
    HttpServer http;
    try {
      http = HttpServer.create(address, 16);
    } catch (BindException e) {
      throw new IOException("cannot serve metrics on " + address.getHostString() + ":"
          + address.getPort() + ": address already in use", e);
    }
    ExecutorService ex = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "meridian-metrics");
      t.setDaemon(true);
      return t;
    });
    http.setExecutor(ex);
    Console console = new Console(peer);
    http.createContext("/", exchange -> {
      try (exchange) {
        String method = exchange.getRequestMethod();
        if (!method.equals("GET") && !method.equals("HEAD")) {
          reply(exchange, 405, "text/plain", "method not allowed\n");
          return;
        }
        String path = exchange.getRequestURI().getPath();
        if (path.equals("/metrics")) {
          if (refused(peer, exchange)) {
            return;
          }
          StringBuilder out = new StringBuilder(4096);
          peer.writeMetrics(out);
          reply(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", out.toString());
        } else if (path.equals("/healthz")) {
          reply(exchange, 200, "text/plain", "ok\n");
        } else if (Console.isAsset(path)) {
          console.serveAsset(exchange, path);
        } else if (path.startsWith("/api/")) {
          if (!refused(peer, exchange)) {
            console.serveApi(exchange, path);
          }
        } else {
          reply(exchange, 404, "text/plain", "not found (try /, /metrics or /healthz)\n");
        }
      } catch (IOException | RuntimeException e) {
        LOG.debug("metrics request failed", e);
      }
    });
    http.start();
    return new MetricsServer(http, ex);
  }

  /** True if access control refuses the request (then answered with 401 or 403). */
  private static boolean refused(Meridian peer, HttpExchange exchange) throws IOException {
    if (peer.accessControl().isEmpty()) {
      return false;
    }
    AccessControl.Refusal r = peer.accessControl().get().checkHttp(
        exchange.getRequestHeaders().getFirst("Authorization"),
        String.valueOf(exchange.getRemoteAddress()),
        exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath());
    if (r == null) {
      return false;
    }
    boolean unauthenticated = r.code() == Status.Code.UNAUTHENTICATED;
    if (unauthenticated) {
      exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"meridian\"");
    }
    reply(exchange, unauthenticated ? 401 : 403, "text/plain", r.message() + "\n");
    return true;
  }

  private static void reply(HttpExchange exchange, int code, String type, String body)
      throws IOException {
    reply(exchange, code, type, body.getBytes(StandardCharsets.UTF_8));
  }

  /** Sends {@code bytes} as the whole response (headers only for HEAD). */
  static void reply(HttpExchange exchange, int code, String type, byte[] bytes)
      throws IOException {
    exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
    exchange.getResponseHeaders().set("Content-Type", type);
    boolean head = exchange.getRequestMethod().equals("HEAD");
    exchange.sendResponseHeaders(code, head ? -1 : bytes.length);
    if (!head) {
      try (OutputStream os = exchange.getResponseBody()) {
        os.write(bytes);
      }
    }
  }

  /** The port served. */
  public int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
