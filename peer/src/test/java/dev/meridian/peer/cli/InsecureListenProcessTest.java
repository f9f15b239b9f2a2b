package dev.meridian.peer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real {@code meridian peer} process told to listen beyond loopback in plaintext exits with
 * code 2 and a message saying why and what to set, before it opens anything.
 */
class InsecureListenProcessTest {
  @TempDir Path dir;

  @Test
  void plaintextOnWildcard_processExitsWithMessage() throws Exception {
    Path data = dir.resolve("data");
    Path err = dir.resolve("err.txt");
    Process p = new ProcessBuilder(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), Main.class.getName(), "peer",
        "--data-dir", data.toString(), "--listen", "0.0.0.0:0", "--cluster", "prod",
        "--metrics", "none"))
        .redirectError(err.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the daemon did not exit");
    String message = Files.readString(err);
    assertEquals(Main.USAGE, p.exitValue(), message);
    assertTrue(message.contains("meridian peer: listen: '0.0.0.0:0' is beyond loopback and TLS"
        + " is off"), message);
    assertTrue(message.contains("--insecure-plaintext"), message);
    assertFalse(Files.exists(data));
  }
}
