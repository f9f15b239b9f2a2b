package dev.meridian.benchmarks.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A quick run of the hostile-load benchmark: a real daemon with a 512 MiB heap, every hostile
 * client, both probe phases. Checks that it runs, prints every line, that every probe call was
 * answered, that each hostile client was refused as it should be, and that the daemon is alive
 * with no OutOfMemoryError; how fast is reported, not checked.
 */
class HostileLoadBenchmarkTest {
  @Test
  void quickRun_reportsBothPhases_andTheDaemonSurvives() throws Exception {
    List<String> lines = HostileLoadBenchmark.runQuick();
    String all = String.join("\n", lines);
    System.out.println(all);
    assertEquals(6, lines.size(), all);
    String call = "Get p50 [0-9.]+ ms, p99 [0-9.]+ ms; Update p50 [0-9.]+ ms, p99 [0-9.]+ ms"
        + " \\([0-9,]+ calls, 0 failed\\)";
    assertTrue(lines.get(1).matches("unloaded: " + call), lines.get(1));
    assertTrue(lines.get(2).matches("hostile: " + call), lines.get(2));
    assertTrue(lines.get(3).matches("p99 hostile/unloaded: Get [0-9.]+, Update [0-9.]+"),
        lines.get(3));
    String got = lines.get(4);
    for (String outcome : List.of("watch refused, connection full: RESOURCE_EXHAUSTED",
        "7 MB number: INVALID_ARGUMENT",
        "10 MB number: RESOURCE_EXHAUSTED", "list of deleted: OK",
        "forged own dots: INVALID_ARGUMENT", "forged counter above 2^48: INVALID_ARGUMENT",
        "forged bytes: INVALID_ARGUMENT")) {
      assertTrue(got.contains(outcome + "="), outcome + " in: " + got);
    }
    assertTrue(lines.get(5).matches("daemon after the run: alive, no OutOfMemoryError; live heap"
        + " at the end of the last hostile round [0-9]+ MB of 512; .*"), lines.get(5));
  }
}
