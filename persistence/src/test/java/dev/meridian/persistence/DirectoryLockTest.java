package dev.meridian.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A data directory is locked by one process; a second one gets a clear error. */
class DirectoryLockTest {
  @TempDir Path tmp;

  @Test
  void open_whileAnotherProcessHoldsTheDirectory_failsNamingIt_untilThatProcessDies()
      throws Exception {
    Path dir = tmp.resolve("store");
    Process p = new ProcessBuilder(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx128m", "-cp", System.getProperty("java.class.path"), CrashWriter.class.getName(),
        dir.toString(), "1000"))
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(),
          StandardCharsets.UTF_8));
      String line = out.readLine();
      assertTrue(line != null && line.startsWith("OPEN "), "writer said " + line);
      do {
        line = out.readLine();
      } while (line != null && !line.startsWith("ACK "));
      assertTrue(line != null, "the writer acknowledged nothing");
      StoreException e = assertThrows(StoreException.class,
          () -> MapDbDocStore.open(StoreOptions.in(dir).build()).close());
      assertEquals(StoreException.Reason.LOCKED, e.reason());
      assertEquals(dir, e.file());
      assertTrue(e.getMessage().contains(dir.toString()), e.getMessage());
      // Drain the writer's output so it never blocks on a full pipe while we look.
      Thread drain = new Thread(() -> out.lines().forEach(l -> { }));
      drain.setDaemon(true);
      drain.start();
    } finally {
      p.destroyForcibly();
      p.waitFor(30, TimeUnit.SECONDS);
    }
    // The OS drops the lock with the process: no stale lock file to clean up by hand.
    try (MapDbDocStore s = MapDbDocStore.open(StoreOptions.in(dir).build())) {
      assertTrue(s.count() > 0, "the acknowledged write is there");
    }
  }
}
