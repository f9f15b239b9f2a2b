package dev.meridian.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.meridian.transport.sim.Simulation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The seeded replication simulation with the peer's real storage ({@link MapDbSimStores}): it
 * replays exactly, converges on fixed schedules, and its crashes lose uncommitted writes.
 */
class RealStoreSimulationTest {
  /** Where the data directories go: memory if the machine has a tmpfs there (fsync is cheap). */
  static Path scratch() throws IOException {
    Path shm = Path.of("/dev/shm");
    Path base = Files.isDirectory(shm) && Files.isWritable(shm)
        ? shm : Path.of(System.getProperty("java.io.tmpdir"));
    return Files.createTempDirectory(base, "meridian-sim-");
  }

  /** Runs the schedule of {@code seed} on real stores in fresh directories (a failure's replay). */
  static Simulation.Result run(long seed) throws IOException {
    try (MapDbSimStores stores = new MapDbSimStores(scratch())) {
      return new Simulation(seed, stores).run();
    }
  }

  @Test
  void run_sameSeed_sameTrace() throws IOException {
    for (long seed : new long[] {42, 7, -3}) {
      Simulation.Result a = run(seed);
      Simulation.Result b = run(seed);
      assertEquals(a, b, "seed " + seed);
      assertTrue(a.framesSent() > 0, "the schedule sent frames");
    }
  }

  @Test
  void run_fixedSeeds_convergeAndCrashesLoseUncommittedWrites() throws IOException {
    int lost = 0;
    int survivors = 0;
    for (long seed = 1; seed <= 20; seed++) {
      try (MapDbSimStores stores = new MapDbSimStores(scratch())) {
        Simulation.Result r = new Simulation(seed, stores).run();
        survivors += r.survivors();
        lost += stores.lostUncommitted();
      }
    }
    assertTrue(survivors > 0, "the schedules kept writes");
    assertTrue(lost > 0, "some crash lost a write that was not committed");
  }
}
