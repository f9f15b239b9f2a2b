package dev.meridian.peer.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.meridian.peer.Meridian;
import dev.meridian.peer.PromText;
import dev.meridian.peer.TestPeers;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's {@code /metrics}, served over HTTP by {@link MetricsServer} for a peer with a
 * replication stream, passes Prometheus's own parser and linter ({@code promtool check metrics},
 * from Debian's {@code prometheus} package, which {@code .ci/run} installs). Under {@code CI=true}
 * a missing promtool fails the test; elsewhere it is skipped with a warning.
 */
class PrometheusExpositionTest {
  private static final Logger LOG = LoggerFactory.getLogger(PrometheusExpositionTest.class);
  private static final Path PROMTOOL = Path.of("/usr/bin/promtool");

  @TempDir
  Path dir;

  @Test
  void metrics_passPromtoolsParserAndLinter() throws Exception {
    requirePromtool();
    try (Meridian a = TestPeers.open(dir, "a", List.of());
        Meridian b = TestPeers.open(dir, "b", List.of(a.listenAddress()));
        MetricsServer server = MetricsServer.start(b, new InetSocketAddress("127.0.0.1", 0))) {
      b.update("k", d -> d.set("v", 1)).join();
      TestPeers.await("a holds b's write", 30, () -> a.get("k").isPresent());
      HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + server.port() + "/metrics")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode());
      String text = r.body();
      assertEquals(1.0, PromText.value(text, "meridian_peer_up", "peer", a.replicaId(),
          "address", a.listenAddress(), "direction", "out").orElseThrow(), text);
      assertEquals(1.0, PromText.value(text, "meridian_writes_total").orElseThrow(), text);

      Process p = new ProcessBuilder(PROMTOOL.toString(), "check", "metrics")
          .redirectErrorStream(true).start();
      try (OutputStream in = p.getOutputStream()) {
        in.write(text.getBytes(StandardCharsets.UTF_8));
      }
      assertTrue(p.waitFor(30, TimeUnit.SECONDS), "promtool did not finish");
      String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertEquals(0, p.exitValue(), "promtool check metrics: " + said + "\n---\n" + text);
      assertEquals("", said.strip(), "promtool's lint findings");
    }
  }

  private static void requirePromtool() {
    if (Files.isExecutable(PROMTOOL)) {
      return;
    }
    String reason = PROMTOOL + " is missing (install: apt-get install prometheus)";
    if ("true".equals(System.getenv("CI"))) {
      Assertions.fail(reason);
    }
    LOG.warn("SKIPPING the promtool check of /metrics: {}", reason);
    Assumptions.abort(reason);
  }
}
