package dev.meridian.benchmarks;

import dev.meridian.crdt.codec.CodecException;
import dev.meridian.crdt.codec.CrdtCodec;
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
 * The final state of the automerge-paper trace (see {@link TraceBenchmark}): encoding it with
 * {@link CrdtCodec}, decoding it (with full validation; the anchors' "load"), decoding and joining
 * it into an empty replica (the anchors' "remote": a full state applied to a fresh document), and
 * joining the state itself into an empty replica. The setup prints the encoded size.
 *
 * <p>Run (from the repository root):
 *
 * <pre>{@code
 * mvn -o -q -pl benchmarks -am package -DskipTests
 * java -jar benchmarks/target/benchmarks.jar TraceCodecBenchmark -f 1 -wi 5 -w 2 -i 10 -r 2
 * }</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(1)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 10, time = 2)
public class TraceCodecBenchmark {
  Text text;
  byte[] bytes;

  /** Applies the trace and encodes the result (not timed); prints the size. */
  @Setup
  public void setUp() {
    text = Workloads.applyTrace(EditingTrace.automergePaper(), Workloads.replica(1));
    bytes = CrdtCodec.encode(text);
    System.out.println("automerge-paper final state: " + bytes.length + " bytes encoded, "
        + text.length() + " characters, " + text.store().recordCount() + " element records in "
        + text.store().runCount() + " runs");
  }

  /** Encodes the final state. */
  @Benchmark
  public byte[] encode() {
    return CrdtCodec.encode(text);
  }

  /** Decodes (and validates) the final state. */
  @Benchmark
  public Text decode() throws CodecException {
    return CrdtCodec.decodeText(bytes);
  }

  /** Decodes the final state and joins it into an empty replica. */
  @Benchmark
  public Text decodeAndMerge() throws CodecException {
    Text t = new Text();
    t.join(CrdtCodec.decodeText(bytes));
    return t;
  }

  /** Joins the final state into an empty replica. */
  @Benchmark
  public Text merge() {
    Text t = new Text();
    t.join(text);
    return t;
  }
}
