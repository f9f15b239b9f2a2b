package dev.meridian.peer.daemon;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A minimal W3C WebDriver client for tests: starts Debian's {@code /usr/bin/chromedriver} on a free
 * loopback port and drives a headless {@code /usr/bin/chromium} (no sandbox, as root; a fresh
 * user-data-dir) over java.net.http. Only what the console test needs: navigate, find and click,
 * run a script, take a screenshot, read the browser's console log ({@code goog:loggingPrefs}).
 * Nothing is downloaded.
 */
final class WebDriverClient implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(WebDriverClient.class);
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  private static final String ELEMENT = "element-6066-11e4-a52e-4f735466cecf";
  private static final Gson GSON = new Gson();

  private final Process driver;
  private final HttpClient http = HttpClient.newHttpClient();
  private final String base;
  private final String session;

  private WebDriverClient(Process driver, String base, String session) {
    this.driver = driver;
    this.base = base;
    this.session = session;
  }

  /**
   * Fails the test under {@code CI=true} if chromium or chromedriver is missing; elsewhere skips it
   * with a logged warning.
   */
  static void requireAvailable() {
    for (Path p : List.of(CHROMIUM, CHROMEDRIVER)) {
      if (!Files.isExecutable(p)) {
        String reason = p + " is missing (install: apt-get install chromium chromium-driver)";
        if ("true".equals(System.getenv("CI"))) {
          Assertions.fail(reason);
        }
        LOG.warn("SKIPPING the browser test of the console: {}", reason);
        Assumptions.abort(reason);
      }
    }
  }

  /** Starts chromedriver and a headless Chromium session with its data in {@code userDataDir}. */
  static WebDriverClient start(Path userDataDir) throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Process p = new ProcessBuilder(CHROMEDRIVER.toString(), "--port=" + port)
        .redirectErrorStream(true).redirectOutput(userDataDir.resolveSibling("chromedriver.log")
            .toFile()).start();
    String base = "http://127.0.0.1:" + port;
    HttpClient http = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (true) {
      try {
        http.send(HttpRequest.newBuilder(URI.create(base + "/status")).build(),
            HttpResponse.BodyHandlers.ofString());
        break;
      } catch (IOException e) {
        if (System.nanoTime() > deadline || !p.isAlive()) {
          p.destroyForcibly();
          throw new IOException("chromedriver did not start on port " + port, e);
        }
        Thread.sleep(50);
      }
    }
    Map<String, Object> caps = Map.of("capabilities", Map.of("alwaysMatch", Map.of(
        "browserName", "chrome",
        "goog:loggingPrefs", Map.of("browser", "ALL"),
        "goog:chromeOptions", Map.of("binary", CHROMIUM.toString(), "args", List.of(
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--no-first-run", "--window-size=1280,1100",
            "--user-data-dir=" + userDataDir.toAbsolutePath())))));
    try {
      JsonObject value = call(http, "POST", base + "/session", GSON.toJson(caps))
          .getAsJsonObject();
      return new WebDriverClient(p, base, value.get("sessionId").getAsString());
    } catch (Exception e) {
      p.destroyForcibly();
      throw e;
    }
  }

  void navigate(String url) throws Exception {
    command("POST", "/url", Map.of("url", url));
  }

  /** Runs {@code script} (a function body; {@code arguments} holds {@code args}) and returns its value. */
  JsonElement script(String script, Object... args) throws Exception {
    return command("POST", "/execute/sync", Map.of("script", script, "args", List.of(args)));
  }

  /** Clicks the first element matching {@code css}, as a user would. */
  void click(String css) throws Exception {
    JsonObject el = command("POST", "/element", Map.of("using", "css selector", "value", css))
        .getAsJsonObject();
    JsonElement id = el.get(ELEMENT);
    if (id == null) {
      throw new IOException("WebDriver found no element reference for " + css + ": " + el);
    }
    command("POST", "/element/" + id.getAsString() + "/click", Map.of());
  }

  byte[] screenshot() throws Exception {
    return Base64.getDecoder().decode(command("GET", "/screenshot", null).getAsString());
  }

  /** The browser console's entries since the last call, each "LEVEL message". */
  List<String> browserLog() throws Exception {
    JsonArray entries = command("POST", "/se/log", Map.of("type", "browser")).getAsJsonArray();
    List<String> out = new ArrayList<>();
    for (JsonElement e : entries) {
      JsonObject o = e.getAsJsonObject();
      out.add(o.get("level").getAsString() + " " + o.get("message").getAsString());
    }
    return out;
  }

  private JsonElement command(String method, String path, Object body) throws Exception {
    return call(http, method, base + "/session/" + session + path,
        body == null ? null : GSON.toJson(body));
  }

  private static JsonElement call(HttpClient http, String method, String url, String body)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60))
        .header("Content-Type", "application/json");
    b.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
        : HttpRequest.BodyPublishers.ofString(body));
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    JsonElement value = JsonParser.parseString(r.body()).getAsJsonObject().get("value");
    if (r.statusCode() != 200) {
      throw new IOException("WebDriver " + method + " " + url + ": " + r.statusCode() + " "
          + value);
    }
    return value;
  }

  @Override
  public void close() throws Exception {
    try {
      call(http, "DELETE", base + "/session/" + session, null);
    } catch (Exception e) {
      LOG.warn("could not end the WebDriver session", e);
    } finally {
      driver.destroy();
      if (!driver.waitFor(10, TimeUnit.SECONDS)) {
        driver.destroyForcibly();
      }
    }
  }
}
