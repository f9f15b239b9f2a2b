package dev.meridian.benchmarks;

import dev.meridian.crdt.codec.CodecException;
import dev.meridian.crdt.codec.CrdtCodec;
import dev.meridian.crdt.doc.Document;
import dev.meridian.testdata.JsonWorkload;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The anchors' JSON-document workload ({@code anchors/json-bench.js}, ported in {@link
 * JsonWorkload}: the same 30,000 ops from mulberry32 seed 42), one delta per op, into the list
 * {@code items} of a {@link Document}: inserts of {@code {id, title, done, n}}, writes of one field
 * ({@code items[k].done} ...), deletes. Baseline in the same run: the plain replay on lists and
 * maps. Also the final document's decoding. Loro takes about 333 ms on this machine.
 *
 * <p>Run (from the repository root):
 *
 * <pre>{@code
 * mvn -o -q -pl benchmarks -am package -DskipTests
 * java -jar benchmarks/target/benchmarks.jar JsonWorkloadBenchmark -f 1 -wi 5 -w 2 -i 10 -r 2
 * }</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(1)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 10, time = 2)
public class JsonWorkloadBenchmark {
  List<JsonWorkload.Op> ops;
  Document document;
  byte[] bytes;

  /** Generates the op stream and encodes the final document (not timed); prints its size. */
  @Setup
  public void setUp() {
    ops = JsonWorkload.generate(Workloads.JSON_OPS, Workloads.JSON_SEED);
    document = Workloads.applyJson(ops, Workloads.replica(1));
    bytes = CrdtCodec.encode(document);
    System.out.println("JSON workload final document: " + bytes.length + " bytes encoded");
  }

  /** The 30,000 ops into a new document. */
  @Benchmark
  public Document apply() {
    return Workloads.applyJson(ops, Workloads.replica(1));
  }

  /** Baseline: the 30,000 ops on plain lists and maps. */
  @Benchmark
  public List<Map<String, Object>> plainReplay() {
    return Workloads.plainJson(ops);
  }

  /** Decodes (and validates) the final document. */
  @Benchmark
  public Document decode() throws CodecException {
    return CrdtCodec.decodeDocument(bytes);
  }
}
