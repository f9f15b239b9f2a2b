package dev.meridian.benchmarks.replication;

import dev.meridian.crdt.Replica;
import dev.meridian.crdt.codec.CrdtCodec;
import dev.meridian.crdt.doc.Document;
import dev.meridian.transport.store.InMemoryReplicaStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * Three replicas on loopback over gRPC with mutual TLS: replicated updates per second, convergence
 * latency (write to visible at every replica) at 1,000 and 10,000 updates/s, bytes on the wire per
 * update, catch-up of a replica that missed 100,000 updates, and the bytes of an idle sync round
 * with 1,000 and with 100,000 documents. Prints one line per figure.
 *
 * <p>Updates are {@code set("v", n)} on documents {@code doc0..doc999} (small updates), spread
 * round-robin over the replicas by one writer thread at a fixed rate. Bytes are counted twice:
 * protocol frames (the engine's per-peer counters) and socket bytes through counting TCP relays
 * (TLS records, HTTP/2 and gRPC framing included; TCP/IP headers not).
 *
 * <p>Run (from the repository root; about three minutes):
 *
 * <pre>{@code
 * mvn -o -q -pl benchmarks -am package -DskipTests
 * java -cp benchmarks/target/benchmarks.jar \
 *     dev.meridian.benchmarks.replication.ReplicationBenchmark [--quick] [--plaintext]
 * }</pre>
 *
 * {@code --quick} shortens every phase (a smoke run); {@code --plaintext} drops TLS (a baseline).
 */
public final class ReplicationBenchmark {
  private static final int KEYS = 1_000;
  private static final int CATCH_UP_UPDATES = 100_000;
  private static final int CATCH_UP_KEYS = 20_000;
  private static final int IDLE_DOCUMENTS = 100_000;

  private final boolean quick;
  private final boolean secure;
  private final List<String> report = new ArrayList<>();

  private ReplicationBenchmark(boolean quick, boolean secure) {
    this.quick = quick;
    this.secure = secure;
  }

  /** Runs every phase and prints the figures. */
  public static void main(String[] args) throws Exception {
    boolean quick = List.of(args).contains("--quick");
    boolean secure = !List.of(args).contains("--plaintext");
    List<String> lines = new ReplicationBenchmark(quick, secure).run();
    lines.forEach(System.out::println);
  }

  /** Runs the phases; returns the report lines. */
  List<String> run() throws Exception {
    Path certs = Files.createTempDirectory("meridian-bench-certs");
    line("setup: 3 replicas on 127.0.0.1, %s, JVM %s, %d cores", secure ? "mutual TLS"
        : "plaintext", System.getProperty("java.version"),
        Runtime.getRuntime().availableProcessors());
    LatencyTracker tracker = new LatencyTracker(3);
    try (LoopbackCluster direct = new LoopbackCluster(3, secure, false, certs, tracker, b -> b)) {
      fixedRate(direct, tracker, 2_000, seconds(3, 1), false); // warm-up
      direct.awaitConverged(Duration.ofSeconds(30));
      for (int rate : new int[] {1_000, 10_000}) {
        long bytes0 = direct.frameBytesOut();
        long writes = fixedRate(direct, tracker, rate, seconds(20, 2), true);
        direct.awaitConverged(Duration.ofSeconds(60));
        Thread.sleep(300); // the last acks
        Histogram h = tracker.takeHistogram();
        line("convergence latency at %,d updates/s (%,d updates): p50 %.2f ms, p99 %.2f ms, "
            + "p99.9 %.2f ms, max %.2f ms", rate, writes, ms(h.getValueAtPercentile(50)),
            ms(h.getValueAtPercentile(99)), ms(h.getValueAtPercentile(99.9)),
            ms(h.getMaxValue()));
        line("  frame bytes per update at %,d/s: %.1f (all links, both directions)", rate,
            (double) (direct.frameBytesOut() - bytes0) / writes);
      }
      throughput(direct);
    }
    try (LoopbackCluster proxied = new LoopbackCluster(3, secure, true, certs, tracker, b -> b)) {
      fixedRate(proxied, tracker, 2_000, seconds(2, 1), false);
      proxied.awaitConverged(Duration.ofSeconds(30));
      wireBytes(proxied, tracker);
      idleRound(proxied, "1,000 documents");
      catchUp(proxied);
      fill(proxied, IDLE_DOCUMENTS);
      idleRound(proxied, String.format(Locale.ROOT, "%,d documents",
          proxied.stores[0].size()));
    }
    return report;
  }

  // ---- phases -----------------------------------------------------------------------------------

  private void wireBytes(LoopbackCluster c, LatencyTracker tracker) throws Exception {
    double delta = averageDeltaBytes();
    long socket0 = c.socketBytes();
    long frames0 = c.frameBytesOut();
    long writes = fixedRate(c, tracker, 10_000, seconds(10, 2), false);
    c.awaitConverged(Duration.ofSeconds(60));
    Thread.sleep(300);
    double socket = (double) (c.socketBytes() - socket0) / writes;
    double frames = (double) (c.frameBytesOut() - frames0) / writes;
    line("bytes on the wire per update at 10,000/s (%,d updates, each sent to 2 replicas): "
        + "%.1f socket bytes (%.1f per copy), %.1f frame bytes (%.1f per copy); the crdt-core "
        + "delta alone is %.1f bytes (socket bytes per copy / delta: %.2f)", writes, socket,
        socket / 2, frames, frames / 2, delta, socket / 2 / delta);
  }

  private void throughput(LoopbackCluster c) throws Exception {
    long duration = seconds(10, 1) * 1_000_000_000L;
    AtomicLong total = new AtomicLong();
    List<Thread> writers = new ArrayList<>();
    long start = System.nanoTime();
    for (int i = 0; i < 3; i++) {
      int replica = i;
      Thread t = new Thread(() -> {
        long n = 0;
        while (System.nanoTime() - start < duration) {
          long v = n++;
          c.stores[replica].update("doc" + (v % KEYS), d -> d.set("v", v));
        }
        total.addAndGet(n);
      });
      writers.add(t);
      t.start();
    }
    for (Thread t : writers) {
      t.join();
    }
    long issued = System.nanoTime();
    long converged = c.awaitConverged(Duration.ofMinutes(2));
    line("throughput: %,d updates issued by 3 writers in %.1f s (%,.0f/s); all replicated to "
        + "every replica after %.1f s: %,.0f replicated updates/s", total.get(),
        (issued - start) / 1e9, total.get() / ((issued - start) / 1e9), (converged - start) / 1e9,
        total.get() / ((converged - start) / 1e9));
  }

  private void idleRound(LoopbackCluster c, String label) throws Exception {
    c.awaitConverged(Duration.ofMinutes(2));
    Thread.sleep(3_000); // catch-ups end, acks settle
    long socket0 = c.socketBytes();
    long frames0 = c.frameBytesOut();
    int rounds = (int) seconds(10, 3); // sync interval 1 s: one round per second
    Thread.sleep(rounds * 1_000L);
    double pairs = 3;
    line("idle sync round with %s: %.0f socket bytes, %.0f frame bytes per pair of replicas "
        + "(both directions)", label, (double) (c.socketBytes() - socket0) / rounds / pairs,
        (double) (c.frameBytesOut() - frames0) / rounds / pairs);
  }

  private void catchUp(LoopbackCluster c) throws Exception {
    c.stop(2);
    long deltaBytes = 0;
    for (int n = 0; n < CATCH_UP_UPDATES; n++) {
      int v = n;
      var d = c.stores[n % 2].update("cu" + (n % CATCH_UP_KEYS), doc -> doc.set("v", v));
      deltaBytes += CrdtCodec.encode(d.delta()).length;
    }
    c.awaitConverged(Duration.ofMinutes(2), 0, 1);
    long socket0 = c.socketBytesDialledBy(2);
    long start = System.nanoTime();
    c.start(2);
    long done = c.awaitConverged(Duration.ofMinutes(5));
    long[] frames = c.frameBytes(2);
    long socket = c.socketBytesDialledBy(2) - socket0;
    line("catch-up of a replica that missed %,d updates (%,d documents): %.2f s, %,d socket "
        + "bytes (%,d frame bytes in, %,d out); the %,d deltas pushed one by one would be %,d "
        + "bytes (catch-up / deltas: %.2f)", CATCH_UP_UPDATES, CATCH_UP_KEYS,
        (done - start) / 1e9, socket, frames[0], frames[1], CATCH_UP_UPDATES, deltaBytes,
        (double) socket / deltaBytes);
  }

  private void fill(LoopbackCluster c, int documents) throws Exception {
    int have = c.stores[0].size();
    for (int n = 0; have + n < documents; n++) {
      int v = n;
      c.stores[n % 3].update("fill" + n, d -> d.set("v", v));
      if (n % 5_000 == 4_999) {
        Thread.sleep(20); // let replication keep up rather than queue
      }
    }
    c.awaitConverged(Duration.ofMinutes(5));
  }

  // ---- load -------------------------------------------------------------------------------------

  /** One writer at {@code rate} updates/s, round-robin over the replicas; returns the count. */
  private static long fixedRate(LoopbackCluster c, LatencyTracker tracker, int rate, long seconds,
      boolean record) {
    long interval = 1_000_000_000L / rate;
    long total = rate * seconds;
    tracker.recording(record);
    long start = System.nanoTime();
    for (long k = 0; k < total; k++) {
      long due = start + k * interval;
      long wait;
      while ((wait = due - System.nanoTime()) > 0) {
        // Park, never spin: on two cores a spinning writer would steal a core from the replicas.
        // Latency is measured from the actual write, so timer slack does not inflate it.
        LockSupport.parkNanos(wait);
      }
      int replica = (int) (k % c.size());
      long v = k;
      tracker.expect(c.nextDot(replica));
      c.stores[replica].update("doc" + (k % KEYS), d -> d.set("v", v));
    }
    tracker.recording(false);
    return total;
  }

  private static double averageDeltaBytes() {
    InMemoryReplicaStore s = InMemoryReplicaStore.create(Replica.random());
    long bytes = 0;
    int n = 10_000;
    for (int k = 0; k < n; k++) {
      long v = k;
      Document delta = s.update("doc" + (k % KEYS), d -> d.set("v", v)).delta();
      bytes += CrdtCodec.encode(delta).length;
    }
    return (double) bytes / n;
  }

  private long seconds(long full, long quickSeconds) {
    return quick ? quickSeconds : full;
  }

  private static double ms(long nanos) {
    return nanos / 1e6;
  }

  private void line(String format, Object... args) {
    String s = String.format(Locale.ROOT, format, args);
    report.add(s);
    System.err.println(s);
  }
}
