package dev.meridian.benchmarks;

import dev.meridian.crdt.doc.Document;
import dev.meridian.crdt.sequence.Text;
import dev.meridian.testdata.EditingTrace;
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
 * Applying the automerge-paper editing trace (259,778 single-character edits; CC BY 4.0, Martin
 * Kleppmann and Alastair R. Beresford) as local edits, one delta per edit, warm: to a {@link Text}
 * (its in-place fast path), to the text at {@code body} of a {@link Document} (the document write
 * path: claim, delta, keyed join), and, as a baseline in the same run, to a plain {@link
 * StringBuilder}. The anchors' "txn" mode is the comparable one (diamond-types about 49 ms on this
 * machine). Cold figures: {@link ColdRun}.
 *
 * <p>Run (from the repository root):
 *
 * <pre>{@code
 * mvn -o -q -pl benchmarks -am package -DskipTests
 * java -jar benchmarks/target/benchmarks.jar TraceBenchmark -f 1 -wi 5 -w 2 -i 10 -r 2
 * }</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(1)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 10, time = 2)
public class TraceBenchmark {
  EditingTrace trace;

  /** Loads the trace (not timed). */
  @Setup
  public void setUp() {
    trace = EditingTrace.automergePaper();
  }

  /** The whole trace into a new {@link Text}. */
  @Benchmark
  public Text applyText() {
    return Workloads.applyTrace(trace, Workloads.replica(1));
  }

  /** The whole trace into the text {@code body} of a new {@link Document}. */
  @Benchmark
  public Document applyDocument() {
    return Workloads.applyTraceToDocument(trace, Workloads.replica(1));
  }

  /** Baseline: the whole trace into a {@link StringBuilder}. */
  @Benchmark
  public String plainStringBuilder() {
    return Workloads.plainTrace(trace);
  }
}
