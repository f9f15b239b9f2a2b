package dev.meridian.peer;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded peer's own check: no plaintext listener beyond loopback unless told so. */
class SafeListenTest {
  @TempDir Path dir;

  @Test
  void open_plaintextOnWildcard_refused_andLeavesNoDirectory() {
    Path data = dir.resolve("d");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Meridian.builder().dataDir(data).listen("0.0.0.0:0").cluster("c1").open());
    assertTrue(e.getMessage().contains("beyond loopback and TLS is off"), e.getMessage());
    assertTrue(!Files.exists(data));
  }

  @Test
  void open_defaultClusterOnWildcard_refusedEvenIfInsecure() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Meridian.builder().dataDir(dir.resolve("d")).listen("0.0.0.0:0")
            .insecurePlaintext(true).open());
    assertTrue(e.getMessage().contains("cluster id of its own"), e.getMessage());
  }

  @Test
  void open_insecureOnWildcard_withOwnCluster_serves() throws Exception {
    try (Meridian m = Meridian.builder().dataDir(dir.resolve("d")).listen("0.0.0.0:0")
        .cluster("c1").insecurePlaintext(true).open()) {
      assertTrue(m.listenAddress().startsWith("0.0.0.0:"), m.listenAddress());
    }
  }
}
