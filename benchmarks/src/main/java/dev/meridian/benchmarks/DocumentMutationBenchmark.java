package dev.meridian.benchmarks;

import dev.meridian.crdt.Replica;
import dev.meridian.crdt.doc.Document;
import java.util.HashMap;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Local write throughput of a {@link Document}: a register set at a random existing {@code
 * k<i>.name} and a counter increment at a random existing {@code c<i>}, on documents of {@code keys}
 * keys (see {@link Fixtures}), against the same operations on a plain {@code HashMap<String,
 * Object>} ({@code put} and {@code merge}) holding the same paths as flat keys, so the figures can
 * be read as ratios.
 *
 * <p>A document write parses the path, checks types along it, mints a dot, builds the delta and
 * joins it into the document; the benchmark returns the delta. The document does not grow: each set
 * overwrites one register entry and each increment replaces the replica's one counter entry.
 *
 * <p>Run (from the repository root):
 *
 * <pre>{@code
 * mvn -o -q -pl benchmarks -am package -DskipTests
 * java -jar benchmarks/target/benchmarks.jar DocumentMutationBenchmark -f 1 -wi 3 -w 2 -i 5 -r 2
 * }</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class DocumentMutationBenchmark {
  /*
   * Design notes.
   * [1] Paths are precomputed strings visited in a fixed pseudo-random ring (Fixtures.RING entries),
   *     so string building is not measured and both sides see the same key sequence.
   * [2] The small document gives the baseline of the fixed per-write cost (parse, claim, delta);
   *     the difference to the large one is what the document's size costs.
   * [3] The HashMap holds the paths as flat keys: it measures the floor of a hashed write, not an
   *     equivalent nested structure.
   */

  /** Number of register keys and of counter keys in the document (see {@link Fixtures}). */
  @Param({"10", "1000"})
  int keys;

  Document document;
  HashMap<String, Object> map;
  String[] registerPaths;
  String[] counterPaths;
  private int next;

  /** Builds the document and the equivalent map, and the ring of random paths. */
  @Setup
  public void setUp() {
    document = Fixtures.populate(Document.create(Replica.random()), 0, keys);
    map = new HashMap<>();
    for (int i = 0; i < keys; i++) {
      map.put(Fixtures.registerPath(i), "name-" + i);
      map.put(Fixtures.counterPath(i), 1L);
    }
    int[] registers = Fixtures.randomIndexes(keys, 1);
    int[] counters = Fixtures.randomIndexes(keys, 2);
    registerPaths = new String[Fixtures.RING];
    counterPaths = new String[Fixtures.RING];
    for (int i = 0; i < Fixtures.RING; i++) {
      registerPaths[i] = Fixtures.registerPath(registers[i]);
      counterPaths[i] = Fixtures.counterPath(counters[i]);
    }
  }

  private int nextIndex() {
    int i = next;
    next = (i + 1) & (Fixtures.RING - 1);
    return i;
  }

  /** Sets the register at a random {@code k<i>.name}; returns the delta. */
  @Benchmark
  public Document documentSet() {
    return document.set(registerPaths[nextIndex()], "Paris");
  }

  /** Increments the counter at a random {@code c<i>}; returns the delta. */
  @Benchmark
  public Document documentIncrement() {
    return document.increment(counterPaths[nextIndex()], 1);
  }

  /** Baseline: {@code HashMap.put} of the same path; returns the previous value. */
  @Benchmark
  public Object hashMapPut() {
    return map.put(registerPaths[nextIndex()], "Paris");
  }

  /** Baseline: {@code HashMap.merge} adding 1 at the same counter path; returns the new value. */
  @Benchmark
  public Object hashMapMerge() {
    return map.merge(counterPaths[nextIndex()], 1L, DocumentMutationBenchmark::sum);
  }

  private static Object sum(Object a, Object b) {
    return (Long) a + (Long) b;
  }
}
