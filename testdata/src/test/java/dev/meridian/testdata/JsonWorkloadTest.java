package dev.meridian.testdata;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonWorkloadTest {
  /** The op stream as JSON.stringify(genOps(...)) in anchors/json-bench.js prints it. */
  private static String json(List<JsonWorkload.Op> ops) {
    StringBuilder sb = new StringBuilder("[");
    for (JsonWorkload.Op op : ops) {
      if (sb.length() > 1) {
        sb.append(',');
      }
      if (op instanceof JsonWorkload.Insert ins) {
        sb.append("[\"ins\",").append(ins.index()).append(",{\"id\":").append(ins.id())
            .append(",\"title\":\"item ").append(ins.id()).append("\",\"done\":false,\"n\":0}]");
      } else if (op instanceof JsonWorkload.Delete del) {
        sb.append("[\"del\",").append(del.index()).append(']');
      } else {
        JsonWorkload.SetField set = (JsonWorkload.SetField) op;
        Object v = set.value();
        sb.append("[\"set\",").append(set.index()).append(",\"").append(set.field()).append("\",")
            .append(v instanceof String ? "\"" + v + "\"" : String.valueOf(v)).append(']');
      }
    }
    return sb.append(']').toString();
  }

  @Test
  void generate_matchesTheAnchorsStream() {
    // Hashes printed by node running genOps/expected from anchors/json-bench.js.
    List<JsonWorkload.Op> ops = JsonWorkload.generate(30_000, 42);
    assertEquals(30_000, ops.size());
    assertEquals("54d28070c0f12537b35151e3b16ad162fefa6db4c764f37741dde6a8083c8c5a",
        EditingTrace.sha256(json(ops).getBytes(StandardCharsets.UTF_8)));
    assertEquals(7_436, JsonWorkload.replay(ops).size());

    List<JsonWorkload.Op> small = JsonWorkload.generate(6_000, 7);
    assertEquals("4874fca09da50a09401d8571207ed0a5437f77e6d44ced6bec2ec2500f82f82c",
        EditingTrace.sha256(json(small).getBytes(StandardCharsets.UTF_8)));
    assertEquals(5_102, JsonWorkload.replay(small).size());
  }

  @Test
  void generate_opsAfterTheFirstFiveThousand() {
    List<JsonWorkload.Op> ops = JsonWorkload.generate(5_004, 42);
    assertEquals(List.of(new JsonWorkload.Insert(3635, 5000), new JsonWorkload.Delete(2296),
        new JsonWorkload.Insert(4632, 5001), new JsonWorkload.Insert(890, 5002)),
        ops.subList(5000, 5004));
  }

  @Test
  void replay_appliesInsertsSetsAndDeletes() {
    List<JsonWorkload.Op> ops = List.of(new JsonWorkload.Insert(0, 0), new JsonWorkload.Insert(0, 1),
        new JsonWorkload.SetField(1, "done", true), new JsonWorkload.Delete(0));
    List<Map<String, Object>> out = JsonWorkload.replay(ops);
    assertEquals(1, out.size());
    assertEquals(Map.of("id", 0L, "title", "item 0", "done", true, "n", 0L), out.get(0));
  }
}
