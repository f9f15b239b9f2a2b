package dev.meridian.benchmarks;

import dev.meridian.crdt.codec.CodecException;
import dev.meridian.crdt.codec.CrdtCodec;
import dev.meridian.crdt.doc.Document;
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
 * Encoding and decoding with {@link CrdtCodec}: a one-register delta (a write of {@code "Paris"} at
 * {@code profile.address.city} by a replica whose counter is past 5,000) and the state of a
 * 1,000-key document (see {@link Fixtures}). Decoding includes full validation. The setup prints
 * the encoded sizes ({@link SizeReport}) to standard output.
 *
 * <p>Run (from the repository root):
 *
 * <pre>{@code
 * mvn -o -q -pl benchmarks -am package -DskipTests
 * java -jar benchmarks/target/benchmarks.jar CodecBenchmark -f 1 -wi 3 -w 2 -i 5 -r 2
 * }</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class CodecBenchmark {
  Document delta;
  byte[] deltaBytes;
  Document document;
  byte[] documentBytes;

  /** Builds and encodes the delta and the document; prints the size report. */
  @Setup
  public void setUp() {
    delta = SizeReport.oneRegisterDelta();
    deltaBytes = CrdtCodec.encode(delta);
    document = SizeReport.document();
    documentBytes = CrdtCodec.encode(document);
    SizeReport.main(new String[0]);
  }

  /** Encodes the one-register delta. */
  @Benchmark
  public byte[] encodeDelta() {
    return CrdtCodec.encode(delta);
  }

  /** Decodes (and validates) the one-register delta. */
  @Benchmark
  public Document decodeDelta() throws CodecException {
    return CrdtCodec.decodeDocument(deltaBytes);
  }

  /** Encodes the 1,000-key document state. */
  @Benchmark
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public byte[] encodeDocument() {
    return CrdtCodec.encode(document);
  }

  /** Decodes (and validates) the 1,000-key document state. */
  @Benchmark
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public Document decodeDocument() throws CodecException {
    return CrdtCodec.decodeDocument(documentBytes);
  }
}
