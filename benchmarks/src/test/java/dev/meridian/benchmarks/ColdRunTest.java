package dev.meridian.benchmarks;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs each of {@link ColdRun}'s measurements once, in this JVM (each checks its own result). */
class ColdRunTest {
  @Test
  void everyMeasurement_runsAndChecksItsResult(@TempDir Path dir) throws Exception {
    ColdRun.main(new String[] {"prepare", dir.toString()});
    assertTrue(Files.size(dir.resolve("trace.bin")) > 0);
    for (String m : ColdRun.MEASUREMENTS) {
      String line = ColdRun.measure(m, dir);
      assertTrue(line.matches("ms=[0-9.]+ heap=-?[0-9]+"), line);
    }
  }

  @Test
  void unknownMeasurement_isRefused(@TempDir Path dir) {
    assertThrows(IllegalArgumentException.class, () -> ColdRun.measure("nope", dir));
  }
}
