package dev.meridian.benchmarks.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** A quick run of the peer benchmark: three real daemons, every phase, every update seen. */
class PeerBenchmarkTest {
  @Test
  void quickRun_reportsEveryFigure_andEveryUpdateBecomesVisible() throws Exception {
    List<String> lines = PeerBenchmark.runQuick();
    assertEquals(6, lines.size(), String.join("\n", lines));
    assertTrue(lines.get(1).matches("updates/s into one daemon .*: [0-9,]+; baseline .*ratio [0-9.]+"),
        lines.get(1));
    assertTrue(lines.get(2).matches("process CPU per call, us .*: health check [0-9]+( / [0-9]+){3};"
        + " update [0-9]+( / [0-9]+){3}"), lines.get(2));
    assertTrue(lines.get(3).matches("daemon 0 after the run: [0-9,]+ documents, [0-9,]+ local writes.*"),
        lines.get(3));
    assertTrue(lines.get(4).contains("all seen at both"), lines.get(4));
    assertTrue(lines.get(5).matches("bulk: .* durable updates/s into daemon 0; all three equal .*"),
        lines.get(5));
  }
}
