package dev.meridian.benchmarks;

import dev.meridian.crdt.Replica;
import dev.meridian.crdt.doc.Document;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Merging documents: the full-state join of two concurrently written documents, and the
 * application of a small keyed delta to a large document.
 *
 * <p><b>Full join.</b> Replica A writes keys {@code [0, keys)} and replica B, concurrently, keys
 * {@code [keys/2, 3*keys/2)} (see {@link Fixtures}): half of each side's keys are also written by
 * the other (registers end up with two concurrent values, counters with two entries), half are
 * only on one side. {@link #copyAndJoin} copies A's document and joins B's state into the copy;
 * {@link #copy} is the copy alone, so the join's net cost is the difference. {@link #join} measures
 * the join alone on a copy made before each call (outside the timing), as a cross-check.
 *
 * <p><b>Keyed delta.</b> A third replica C, holding the joined document, overwrites a random
 * register; the delta it returns is joined into another copy of the joined document ({@link
 * #writeAndApplyDelta}). {@link #writeDelta} is C's write alone, so applying the delta costs the
 * difference. A mutator's delta is keyed (it names the keys it touches), so applying it visits only
 * those keys: its cost should not depend on {@code keys}.
 *
 * <p>Run (from the repository root):
 *
 * <pre>{@code
 * mvn -o -q -pl benchmarks -am package -DskipTests
 * java -jar benchmarks/target/benchmarks.jar JoinBenchmark -f 1 -wi 3 -w 2 -i 5 -r 2
 * }</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class JoinBenchmark {
  /*
   * Design notes.
   * [1] Each replica mutates only its own document (the Replica rule): A and B their halves, C its
   *     copy of the joined state. The joined copies measured here are never written.
   * [2] C's writes overwrite existing registers, so the target document keeps its size; after the
   *     first pass over a key its register holds one value instead of two.
   * [3] join() uses a per-invocation setup; that is sound here because one join takes milliseconds,
   *     far above JMH's per-invocation timing overhead. The delta benchmarks do not.
   */

  /** Keys written by each replica (see {@link Fixtures}). */
  @Param({"1000", "10000"})
  int keys;

  /** A's document: keys {@code [0, keys)}. */
  Document left;

  /** B's document: keys {@code [keys/2, 3*keys/2)}, written concurrently with A's. */
  Document right;

  /** C's document: the join of both, bound to C. */
  Document writer;

  /** Another copy of the join of both, receiving C's deltas. */
  Document target;

  String[] paths;
  private int next;

  /** Builds both replicas' documents, C's copy and the delta target. */
  @Setup
  public void setUp() {
    left = Fixtures.populate(Document.create(Replica.random()), 0, keys);
    right = Fixtures.populate(Document.create(Replica.random()), keys / 2, keys / 2 + keys);
    Document joined = left.copy();
    joined.join(right);
    writer = joined.copy().bind(Replica.random());
    target = Document.empty();
    target.join(joined);
    int[] indexes = Fixtures.randomIndexes(keys / 2 + keys, 3);
    paths = new String[Fixtures.RING];
    for (int i = 0; i < Fixtures.RING; i++) {
      paths[i] = Fixtures.registerPath(indexes[i]);
    }
  }

  /** Baseline: a deep copy of A's document. */
  @Benchmark
  public Document copy() {
    return left.copy();
  }

  /** A copy of A's document with B's state joined into it. */
  @Benchmark
  public Document copyAndJoin() {
    Document d = left.copy();
    d.join(right);
    return d;
  }

  /** A fresh copy of A's document, made before each {@link #join} call. */
  @State(Scope.Thread)
  public static class FreshCopy {
    Document document;

    /** Copies A's document (not timed). */
    @Setup(Level.Invocation)
    public void copy(JoinBenchmark b) {
      document = b.left.copy();
    }
  }

  /** B's state joined into a fresh copy of A's document (the copy is made outside the timing). */
  @Benchmark
  public Document join(FreshCopy fresh) {
    fresh.document.join(right);
    return fresh.document;
  }

  private String nextPath() {
    int i = next;
    next = (i + 1) & (Fixtures.RING - 1);
    return paths[i];
  }

  /** Baseline: C overwrites a random register; returns the delta. */
  @Benchmark
  @OutputTimeUnit(TimeUnit.NANOSECONDS)
  public Document writeDelta() {
    return writer.set(nextPath(), "Paris");
  }

  /** C overwrites a random register and the delta is joined into the target; returns the target. */
  @Benchmark
  @OutputTimeUnit(TimeUnit.NANOSECONDS)
  public Document writeAndApplyDelta() {
    target.join(writer.set(nextPath(), "Paris"));
    return target;
  }
}
