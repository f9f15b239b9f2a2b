package dev.meridian.nemesis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The nemesis suite against real daemons. By default the bounded suite (about 3 minutes): three
 * daemons, the four workloads at once, one phase per nemesis (10 s of fault, 4 s healed). With
 * {@code -Dmeridian.nemesis.soak.minutes=N} (the soak profile sets 30) the phases repeat in random
 * order for N minutes. Other knobs: {@code meridian.nemesis.nodes} (3 to 5), {@code
 * meridian.nemesis.seed}, {@code meridian.nemesis.daemon.classpath} (run another build of the
 * daemon, e.g. a deliberately broken scratch copy).
 */
class NemesisSuiteTest {
  @Test
  void allNemeses_allWorkloads_noAcknowledgedWriteLost_convergedWithinTenSeconds() throws Exception {
    long soakMinutes = Long.getLong("meridian.nemesis.soak.minutes", 0);
    Path out = Path.of(System.getProperty("meridian.nemesis.out", "target/nemesis"));
    Files.createDirectories(out);
    NemesisRun.Options options = new NemesisRun.Options(
        Integer.getInteger("meridian.nemesis.nodes", 3),
        Duration.ofSeconds(Long.getLong("meridian.nemesis.fault.seconds", 10)),
        Duration.ofSeconds(Long.getLong("meridian.nemesis.settle.seconds", 4)),
        List.of(Nemesis.values()),
        Duration.ofMinutes(soakMinutes),
        Long.getLong("meridian.nemesis.seed", System.currentTimeMillis()),
        out,
        System.getProperty("meridian.nemesis.daemon.classpath",
            System.getProperty("java.class.path")),
        "true".equals(System.getenv("CI")),
        Duration.ofSeconds(10));
    NemesisRun.Report r = NemesisRun.run(options);
    String report = Files.readString(r.text());
    for (Workload.Check c : r.checks()) {
      assertTrue(c.ok(), c.workload() + " check failed:\n" + report);
    }
    assertEquals(0, r.lost(), report);
    assertTrue(r.convergeSeconds() >= 0 && r.convergeSeconds() <= 10,
        "converged " + r.convergeSeconds() + " s after the last heal, limit 10 s:\n" + report);
    long phases = r.phasesRun().size();
    assertTrue(soakMinutes > 0 || phases >= 5, "fewer than five nemeses ran:\n" + report);
    for (long[] n : r.counts().values()) {
      assertTrue(n[0] > 0, "a workload had no acknowledged operation:\n" + report);
    }
    assertTrue(Files.size(r.png()) > 0);
  }
}
