package dev.meridian.peer.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonElement;
import dev.meridian.peer.Meridian;
import dev.meridian.peer.TestPeers;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The web console in a real headless Chromium (Debian's {@code chromium} and {@code
 * chromium-driver}, which {@code .ci/run} installs), driven through WebDriver: three peers of a
 * running cluster, the console of one of them. The page loads with no console errors, shows the
 * two other peers as open, shows a document written through the API at another peer, and shows a
 * stopped peer as down within 10 seconds. Saves {@code target/console-screenshot.png}. Under
 * {@code CI=true} a missing browser or driver fails the test; elsewhere it is skipped with a
 * warning.
 */
class ConsoleBrowserTest {
  private static final Logger LOG = LoggerFactory.getLogger(ConsoleBrowserTest.class);
  private static final String PEER_STATES = "return Array.from(document.querySelectorAll("
      + "'#peers tbody tr')).map(r => r.dataset.replica + '=' + r.dataset.state);";

  @TempDir
  Path dir;

  @Test
  void console_showsPeersDocumentsAndAStoppedPeer() throws Exception {
    WebDriverClient.requireAvailable();
    try (Meridian a = TestPeers.open(dir, "a", List.of());
        Meridian b = TestPeers.open(dir, "b", List.of(a.listenAddress()));
        Meridian c = TestPeers.open(dir, "c", List.of(a.listenAddress(), b.listenAddress()));
        MetricsServer server = MetricsServer.start(c, new InetSocketAddress("127.0.0.1", 0))) {
      Files.createDirectories(dir.resolve("browser"));
      try (WebDriverClient browser = WebDriverClient.start(dir.resolve("browser/profile"))) {
        browser.navigate("http://127.0.0.1:" + server.port() + "/");
        awaitDom(browser, "the page shows peer c's identity", 10,
            "return document.getElementById('id-replica').textContent;", c.replicaId());
        assertEquals("c", text(browser, "id-site"));
        assertEquals(c.listenAddress(), text(browser, "id-listen"));
        awaitDom(browser, "the page shows a and b open", 20, PEER_STATES,
            a.replicaId() + "=OPEN", b.replicaId() + "=OPEN");

        a.update("carts/42", d -> d.set("item", "green tea")).join();
        TestPeers.await("c holds a's write", 30, () -> c.get("carts/42").isPresent());
        browser.click("#list");
        awaitDom(browser, "the document list shows carts/42", 10,
            "return Array.from(document.querySelectorAll('#keys button'))"
                + ".map(b => b.dataset.key);", "carts/42");
        browser.click("#keys button[data-key='carts/42']");
        awaitDom(browser, "the page shows the document's JSON", 10,
            "return [document.getElementById('doc-json').textContent];",
            "{\n  \"item\": \"green tea\"\n}");

        // Writes at c for three seconds: the writes/s chart reads them from the polled counter.
        Thread writer = new Thread(() -> {
          for (int i = 0; i < 60; i++) {
            int n = i;
            c.update("orders/" + i, d -> d.set("n", n)).join();
            try {
              Thread.sleep(50);
            } catch (InterruptedException e) {
              return;
            }
          }
        });
        writer.start();
        awaitDom(browser, "the writes/s chart shows the writes", 10,
            "return [document.getElementById('v-writes').textContent !== '(0.0/s)'"
                + " && document.getElementById('v-writes').textContent !== '' ? 'moving' : ''];",
            "moving");
        writer.join();

        b.close();
        long stopped = System.nanoTime();
        awaitDom(browser, "the page shows b down", 10, PEER_STATES, b.replicaId() + "=DOWN",
            a.replicaId() + "=OPEN");
        LOG.info("the console showed the stopped peer down after {} ms",
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopped));
        Thread.sleep(1500); // a few chart samples for the screenshot
        Path shot = Path.of("target", "console-screenshot.png");
        Files.createDirectories(shot.getParent());
        Files.write(shot, browser.screenshot());
        LOG.info("console screenshot: {}", shot.toAbsolutePath());

        List<String> severe = new ArrayList<>();
        for (String entry : browser.browserLog()) {
          LOG.info("browser console: {}", entry);
          if (entry.startsWith("SEVERE")) {
            severe.add(entry);
          }
        }
        assertEquals(List.of(), severe, "errors in the browser console");
      }
    }
  }

  private static String text(WebDriverClient browser, String id) throws Exception {
    return browser.script("return document.getElementById(arguments[0]).textContent;", id)
        .getAsString();
  }

  /**
   * Polls {@code script} (returning a string or an array of strings) until its result holds every
   * one of {@code expected}; fails naming {@code what} and the last result.
   */
  private static void awaitDom(WebDriverClient browser, String what, long seconds, String script,
      String... expected) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    List<String> last = List.of();
    while (System.nanoTime() < deadline) {
      JsonElement v = browser.script(script);
      List<String> got = new ArrayList<>();
      if (v.isJsonArray()) {
        v.getAsJsonArray().forEach(e -> got.add(e.isJsonNull() ? "null" : e.getAsString()));
      } else if (!v.isJsonNull()) {
        got.add(v.getAsString());
      }
      last = got;
      if (got.containsAll(List.of(expected))) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("timed out after " + seconds + " s waiting until " + what
        + ": expected " + List.of(expected) + " in " + last);
  }
}
