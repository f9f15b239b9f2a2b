package dev.meridian.testdata;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON-document workload of the shared anchors ({@code anchors/json-bench.js}), ported so that
 * it yields the same op stream: a list of small objects {@code {id, title, done, n}} edited like a
 * record list. The first 5,000 ops insert at random positions; after that 70% set one field of a
 * random item ({@code done}: boolean, {@code title}: string, {@code n}: integer), 20% insert, 10%
 * delete. Every choice comes from the seeded mulberry32 generator of that file, so {@code
 * generate(30_000, 42)} is the anchors' stream (7,436 items at the end).
 */
public final class JsonWorkload {
  private JsonWorkload() {}

  /** One op of the stream. */
  public sealed interface Op permits Insert, Delete, SetField {}

  /**
   * Insert {@code {id, title: "item <id>", done: false, n: 0}} at {@code index}.
   *
   * @param index where, 0 to the list's length
   * @param id the new item's id
   */
  public record Insert(int index, long id) implements Op {
    /** The inserted object, fields in insertion order. */
    public Map<String, Object> item() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("id", id);
      m.put("title", "item " + id);
      m.put("done", false);
      m.put("n", 0L);
      return m;
    }
  }

  /** Delete the item at {@code index}. @param index which */
  public record Delete(int index) implements Op {}

  /**
   * Set one field of the item at {@code index}.
   *
   * @param index which item
   * @param field {@code done}, {@code title} or {@code n}
   * @param value a Boolean, String or Long
   */
  public record SetField(int index, String field, Object value) implements Op {}

  /** mulberry32 as in json-bench.js: 32-bit integer arithmetic, doubles in [0, 1). */
  static final class Mulberry32 {
    private int a;

    Mulberry32(int seed) {
      a = seed;
    }

    double next() {
      a = a + 0x6D2B79F5;
      int t = (a ^ (a >>> 15)) * (1 | a);
      t = (t + ((t ^ (t >>> 7)) * (61 | t))) ^ t;
      return ((t ^ (t >>> 14)) & 0xFFFFFFFFL) / 4294967296.0;
    }

    int below(double n) {
      return (int) Math.floor(next() * n);
    }
  }

  /** The op stream of {@code genOps(total, seed)} in json-bench.js. */
  public static List<Op> generate(int total, int seed) {
    Mulberry32 rnd = new Mulberry32(seed);
    List<Op> ops = new ArrayList<>(total);
    int len = 0;
    long nextId = 0;
    for (int i = 0; i < total; i++) {
      double r = i < 5000 ? 0 : rnd.next();
      if (len == 0 || r < 0.2 || i < 5000) {
        ops.add(new Insert(rnd.below(len + 1), nextId++));
        len++;
      } else if (r < 0.3) {
        ops.add(new Delete(rnd.below(len)));
        len--;
      } else {
        int k = rnd.below(len);
        double f = rnd.next();
        if (f < 0.4) {
          ops.add(new SetField(k, "done", rnd.next() < 0.5));
        } else if (f < 0.7) {
          ops.add(new SetField(k, "title", "title " + i + " " + Integer.toString(rnd.below(1e6), 36)));
        } else {
          ops.add(new SetField(k, "n", (long) rnd.below(1e9)));
        }
      }
    }
    return ops;
  }

  /** The plain replay of {@code expected(ops)} in json-bench.js: a list of maps. */
  public static List<Map<String, Object>> replay(List<Op> ops) {
    List<Map<String, Object>> list = new ArrayList<>();
    for (Op op : ops) {
      if (op instanceof Insert ins) {
        list.add(ins.index(), ins.item());
      } else if (op instanceof Delete del) {
        list.remove(del.index());
      } else {
        SetField set = (SetField) op;
        list.get(set.index()).put(set.field(), set.value());
      }
    }
    return list;
  }
}
