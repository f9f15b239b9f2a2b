package dev.meridian.benchmarks;

import dev.meridian.crdt.codec.CodecException;
import dev.meridian.crdt.codec.CrdtCodec;
import dev.meridian.crdt.doc.Document;
import dev.meridian.crdt.sequence.Text;
import dev.meridian.testdata.EditingTrace;
import dev.meridian.testdata.JsonWorkload;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Cold figures: each measurement is the first run of its operation in a fresh JVM (class loading,
 * interpretation and JIT compilation included), repeated in several fresh JVMs; the median and range
 * are printed. Heap after: the heap in use after full GCs holding the result, minus before (the
 * trace or op stream loaded). Decoding reads bytes written by an earlier JVM, so no code of the
 * sequence types has run before it. The {@code -5} measurements follow the anchors' method instead
 * (anchors/README.md): the median of five consecutive runs in one fresh process, the first (cold)
 * one included.
 *
 * <p>Run (from the repository root; 5 JVMs per measurement, a few minutes on this machine):
 *
 * <pre>{@code
 * mvn -o -q -pl benchmarks -am package -DskipTests
 * java -cp benchmarks/target/benchmarks.jar dev.meridian.benchmarks.ColdRun all 5
 * }</pre>
 *
 * <p>One measurement in this JVM: {@code ColdRun <name> <dir>}, names as in {@link #MEASUREMENTS}.
 */
public final class ColdRun {
  /** The measurements, in the order {@code all} runs them. */
  static final List<String> MEASUREMENTS = List.of("trace-apply", "trace-apply-5",
      "trace-apply-document", "trace-plain", "trace-decode", "trace-decode-5",
      "trace-decode-merge", "json-apply", "json-apply-5", "json-plain", "json-decode");

  private ColdRun() {}

  /** {@code all [runs]}, {@code prepare <dir>}, or one measurement {@code <name> <dir>}. */
  public static void main(String[] args) throws Exception {
    if (args.length == 0 || args[0].equals("all")) {
      all(args.length > 1 ? Integer.parseInt(args[1]) : 5);
      return;
    }
    Path dir = Path.of(args[1]);
    if (args[0].equals("prepare")) {
      prepare(dir);
      return;
    }
    System.out.println(args[0] + " " + measure(args[0], dir));
  }

  private static void prepare(Path dir) throws IOException {
    Files.write(dir.resolve("trace.bin"), CrdtCodec.encode(
        Workloads.applyTrace(EditingTrace.automergePaper(), Workloads.replica(1))));
    Files.write(dir.resolve("json.bin"), CrdtCodec.encode(Workloads.applyJson(
        JsonWorkload.generate(Workloads.JSON_OPS, Workloads.JSON_SEED), Workloads.replica(1))));
  }

  /** Runs one measurement; returns "ms=<time> heap=<bytes>" (heap -1 when not measured). */
  static String measure(String name, Path dir) throws IOException, CodecException {
    long heap = -1;
    long t0;
    long t1;
    switch (name) {
      case "trace-apply" -> {
        EditingTrace trace = EditingTrace.automergePaper();
        long before = usedHeap();
        t0 = System.nanoTime();
        Text t = Workloads.applyTrace(trace, Workloads.replica(1));
        t1 = System.nanoTime();
        heap = usedHeap() - before;
        check(t.value().equals(trace.endContent()), name);
      }
      case "trace-apply-document" -> {
        EditingTrace trace = EditingTrace.automergePaper();
        long before = usedHeap();
        t0 = System.nanoTime();
        Document d = Workloads.applyTraceToDocument(trace, Workloads.replica(1));
        t1 = System.nanoTime();
        heap = usedHeap() - before;
        check(trace.endContent().equals(d.get("body")), name);
      }
      case "trace-plain" -> {
        EditingTrace trace = EditingTrace.automergePaper();
        t0 = System.nanoTime();
        String s = Workloads.plainTrace(trace);
        t1 = System.nanoTime();
        check(s.equals(trace.endContent()), name);
      }
      case "trace-decode", "trace-decode-merge" -> {
        byte[] bytes = Files.readAllBytes(dir.resolve("trace.bin"));
        long before = usedHeap();
        t0 = System.nanoTime();
        Text t = CrdtCodec.decodeText(bytes);
        if (name.equals("trace-decode-merge")) {
          Text m = new Text();
          m.join(t);
          t = m;
        }
        t1 = System.nanoTime();
        heap = usedHeap() - before;
        check(t.length() == 104_852, name);
      }
      case "json-apply" -> {
        List<JsonWorkload.Op> ops = JsonWorkload.generate(Workloads.JSON_OPS, Workloads.JSON_SEED);
        long before = usedHeap();
        t0 = System.nanoTime();
        Document d = Workloads.applyJson(ops, Workloads.replica(1));
        t1 = System.nanoTime();
        heap = usedHeap() - before;
        check(JsonWorkload.replay(ops).equals(d.get("items")), name);
      }
      case "trace-apply-5" -> {
        EditingTrace trace = EditingTrace.automergePaper();
        double[] ms = new double[5];
        for (int i = 0; i < 5; i++) {
          long a = System.nanoTime();
          Text t = Workloads.applyTrace(trace, Workloads.replica(1));
          ms[i] = (System.nanoTime() - a) / 1e6;
          check(t.length() == 104_852, name);
        }
        return median(ms);
      }
      case "trace-decode-5" -> {
        byte[] bytes = Files.readAllBytes(dir.resolve("trace.bin"));
        double[] ms = new double[5];
        for (int i = 0; i < 5; i++) {
          long a = System.nanoTime();
          Text t = CrdtCodec.decodeText(bytes);
          ms[i] = (System.nanoTime() - a) / 1e6;
          check(t.length() == 104_852, name);
        }
        return median(ms);
      }
      case "json-apply-5" -> {
        List<JsonWorkload.Op> ops = JsonWorkload.generate(Workloads.JSON_OPS, Workloads.JSON_SEED);
        double[] ms = new double[5];
        for (int i = 0; i < 5; i++) {
          long a = System.nanoTime();
          Document d = Workloads.applyJson(ops, Workloads.replica(1));
          ms[i] = (System.nanoTime() - a) / 1e6;
          check(d.length("items") == 7_436, name);
        }
        return median(ms);
      }
      case "json-plain" -> {
        List<JsonWorkload.Op> ops = JsonWorkload.generate(Workloads.JSON_OPS, Workloads.JSON_SEED);
        t0 = System.nanoTime();
        List<Map<String, Object>> l = Workloads.plainJson(ops);
        t1 = System.nanoTime();
        check(l.size() == 7_436, name);
      }
      case "json-decode" -> {
        byte[] bytes = Files.readAllBytes(dir.resolve("json.bin"));
        t0 = System.nanoTime();
        Document d = CrdtCodec.decodeDocument(bytes);
        t1 = System.nanoTime();
        check(d.length("items") == 7_436, name);
      }
      default ->
          throw new IllegalArgumentException("unknown measurement " + name + "; known: " + MEASUREMENTS);
    }
    return String.format(Locale.ROOT, "ms=%.1f heap=%d", (t1 - t0) / 1e6, heap);
  }

  private static String median(double[] ms) {
    double[] sorted = ms.clone();
    Arrays.sort(sorted);
    return String.format(Locale.ROOT, "ms=%.1f heap=-1", sorted[sorted.length / 2]);
  }

  private static void check(boolean ok, String name) {
    if (!ok) {
      throw new IllegalStateException(name + " produced a wrong result");
    }
  }

  /** Heap in use after full collections. */
  static long usedHeap() {
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 4; i++) {
      System.gc();
      used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    }
    return used;
  }

  private static void all(int runs) throws Exception {
    Path dir = Files.createTempDirectory("meridian-cold");
    child("prepare", dir);
    Map<String, List<double[]>> results = new LinkedHashMap<>();
    for (int r = 0; r < runs; r++) {
      for (String m : MEASUREMENTS) {
        String line = child(m, dir);
        double ms = Double.parseDouble(value(line, "ms"));
        double heap = Double.parseDouble(value(line, "heap"));
        results.computeIfAbsent(m, k -> new ArrayList<>()).add(new double[] {ms, heap});
        System.err.println("run " + (r + 1) + ": " + line);
      }
    }
    System.out.println("| measurement (fresh JVM each) | median ms | min-max ms | heap after MiB |");
    System.out.println("|---|---:|---:|---:|");
    for (Map.Entry<String, List<double[]>> e : results.entrySet()) {
      double[] ms = e.getValue().stream().mapToDouble(x -> x[0]).sorted().toArray();
      double[] heap = e.getValue().stream().mapToDouble(x -> x[1]).sorted().toArray();
      System.out.printf(Locale.ROOT, "| %s | %.1f | %.1f-%.1f | %s |%n", e.getKey(),
          ms[ms.length / 2], ms[0], ms[ms.length - 1],
          heap[0] < 0 ? "-" : String.format(Locale.ROOT, "%.2f", heap[heap.length / 2] / (1 << 20)));
    }
    System.out.println("runs per measurement: " + runs + ", JVM " + System.getProperty("java.version")
        + ", " + Runtime.getRuntime().availableProcessors() + " cores");
  }

  private static String value(String line, String key) {
    for (String part : line.split(" ", -1)) {
      if (part.startsWith(key + "=")) {
        return part.substring(key.length() + 1);
      }
    }
    throw new IllegalStateException("no " + key + " in " + line);
  }

  private static String child(String measurement, Path dir) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new ArrayList<>(Arrays.asList(java, "-cp",
        System.getProperty("java.class.path"), ColdRun.class.getName(), measurement, dir.toString()));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String last = "";
    try (BufferedReader in = new BufferedReader(
        new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        last = line;
      }
    }
    if (p.waitFor() != 0) {
      throw new IllegalStateException(measurement + " failed: " + last);
    }
    return last;
  }
}
