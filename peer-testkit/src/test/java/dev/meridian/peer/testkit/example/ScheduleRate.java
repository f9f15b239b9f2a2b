package dev.meridian.peer.testkit.example;

import dev.meridian.peer.testkit.ClusterCheck;
import java.nio.file.Path;
import java.util.Locale;

/**
 * How many seeded schedules a second the harness runs: the correct cart's check (3 sites, 50
 * operations and about 10 faults per schedule, invariant after every step, convergence and the
 * models at the end), with the sites' data on a memory file system ({@code /dev/shm}: fsyncs cost
 * nothing) and on disk ({@code java.io.tmpdir} unless given: real fsyncs), in one JVM, after a
 * warm-up. It prints the wall-clock rate and the rate per CPU second of the process (the figure to
 * compare on a machine shared with other work). Not a test: run it by hand.
 *
 * <pre>
 * mvn -o -q -pl peer-testkit -am test-compile
 * mvn -o -q -pl peer-testkit dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt
 * java -cp peer-testkit/target/test-classes:peer-testkit/target/classes:$(cat /tmp/cp.txt) \
 *     dev.meridian.peer.testkit.example.ScheduleRate 200 /dev/shm /var/tmp
 * </pre>
 */
public final class ScheduleRate {
  private ScheduleRate() {}

  /** CPU time of this process (every thread: the run's, the JIT's, the collector's). */
  private static long cpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean)
        java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  /** Arguments: schedules per measurement (default 200), then data roots (default shm, tmp). */
  public static void main(String[] args) {
    int schedules = args.length > 0 ? Integer.parseInt(args[0]) : 200;
    String[] roots = args.length > 1 ? java.util.Arrays.copyOfRange(args, 1, args.length)
        : new String[] {"/dev/shm", System.getProperty("java.io.tmpdir")};
    for (String root : roots) {
      ClusterCheck<CartOp> check = CartChecks.check(new Cart.Correct(), "%s")
          .dataRoot(Path.of(root)).build();
      check.runSeeds(1_000_000, Math.max(20, schedules / 3)); // warm-up (the JIT)
      long start = System.nanoTime();
      long cpuStart = cpuNanos();
      long ops = 0;
      long frames = 0;
      for (ClusterCheck.Result r : check.runSeeds(2_000_000, schedules)) {
        ops += r.applied();
        frames += r.framesSent();
      }
      double s = (System.nanoTime() - start) / 1e9;
      double cpu = (cpuNanos() - cpuStart) / 1e9;
      System.out.printf(Locale.ROOT,
          "%-12s %d schedules in %.1f s: %.1f schedules/s (%.0f operations/s, %.0f frames per"
              + " schedule); %.1f CPU s: %.1f schedules per CPU second%n", root, schedules, s,
          schedules / s, ops / s, (double) frames / schedules, cpu, schedules / cpu);
    }
  }
}
