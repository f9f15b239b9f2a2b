package dev.meridian.benchmarks.peer;

import dev.meridian.peer.cli.DaemonProcess;
import dev.meridian.peer.proto.DocumentsGrpc;
import dev.meridian.peer.proto.Increment;
import dev.meridian.peer.proto.Operation;
import dev.meridian.peer.proto.Set;
import dev.meridian.peer.proto.StatusRequest;
import dev.meridian.peer.proto.StatusResponse;
import dev.meridian.peer.proto.UpdateBatchRequest;
import dev.meridian.peer.proto.UpdateBatchResponse;
import dev.meridian.peer.proto.UpdateRequest;
import dev.meridian.peer.proto.UpdateResponse;
import dev.meridian.peer.proto.WatchEvent;
import dev.meridian.peer.proto.WatchRequest;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.StreamObserver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import org.HdrHistogram.Histogram;

/**
 * Three peer daemons, each its own process on 127.0.0.1 with its own data directory (durable
 * writes, plaintext), driven through the client API from this process:
 *
 * <ol>
 *   <li><b>Updates/s into one daemon</b>: a closed loop of asynchronous Update calls (a window of
 *       in-flight requests; one increment and one register set per update, over 1,000 keys), each
 *       acknowledged only once durable (fsync). Baseline in the same run: gRPC health checks
 *       against the same daemon with the same window, a round trip that touches no document.
 *   <li><b>Time until visible at the other two</b>: updates at a fixed rate into daemon 0 while
 *       Watch streams at daemons 1 and 2 report each change; the latency is from sending the
 *       Update to the watch event at each other daemon (one clock: this process's). p50/p99 over
 *       both receivers.
 *   <li><b>Bulk</b>: single-key updates to new documents in UpdateBatch calls into daemon 0, then
 *       the time until the other two hold them all.
 * </ol>
 *
 * <p>Nothing is measured before {@link #warmUp} has run every path (about 50 s; one short round
 * with {@code --quick}). A line gives the process CPU per call of each of the four processes
 * during the two closed loops: they share the machine's cores, so when those are busy the ratio
 * is close to the ratio of what a health check and an update cost in total, replication to the
 * other two daemons included.
 *
 * <p>Run (from the repository root):
 *
 * <pre>{@code
 * mvn -q -B -pl benchmarks -am package -DskipTests
 * java -cp benchmarks/target/benchmarks.jar dev.meridian.benchmarks.peer.PeerBenchmark [--quick]
 * }</pre>
 *
 * <p>{@code -Dmeridian.bench.jfr=FILE} records a Java Flight Recording of daemon 0.
 */
public final class PeerBenchmark {
  private static final int KEYS = 1_000;
  private static final int WINDOW = 64;
  private static final int BATCH = 1_000;
  private static final int BATCH_WINDOW = 4;
  /** Warm-up rounds of 5 s health checks and 5 s updates each, before the measured phases. */
  private static final int WARM_UP_ROUNDS = 4;

  private final boolean quick;
  private final List<String> report = new ArrayList<>();
  private final List<Process> daemons = new ArrayList<>();
  private final int[] ports = new int[3];
  private Path dir;

  private PeerBenchmark(boolean quick) {
    this.quick = quick;
  }

  /** Runs both phases and prints one line per figure. */
  public static void main(String[] args) throws Exception {
    new PeerBenchmark(List.of(args).contains("--quick")).run().forEach(System.out::println);
  }

  /** Runs the phases; returns the report lines. */
  static List<String> runQuick() throws Exception {
    return new PeerBenchmark(true).run();
  }

  List<String> run() throws Exception {
    dir = Files.createTempDirectory("meridian-peer-bench");
    line("setup: 3 daemon processes on 127.0.0.1, durable writes, plaintext, JVM %s, %d cores",
        System.getProperty("java.version"), Runtime.getRuntime().availableProcessors());
    List<ManagedChannel> channels = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        ports[i] = DaemonProcess.freePort();
      }
      for (int i = 0; i < 3; i++) {
        start(i);
      }
      for (int i = 0; i < 3; i++) {
        channels.add(Grpc.newChannelBuilder("127.0.0.1:" + ports[i],
            InsecureChannelCredentials.create()).build());
      }
      DocumentsGrpc.DocumentsStub api = DocumentsGrpc.newStub(channels.get(0));
      int seconds = quick ? 1 : 10;

      HealthGrpc.HealthStub health = HealthGrpc.newStub(channels.get(0));
      warmUp(channels, api, health);
      long[] cpu0 = cpu();
      double baseline = closedLoop(n -> check(health), seconds);
      long[] cpu1 = cpu();
      double updates = closedLoop(n -> update(api, n), seconds);
      long[] cpu2 = cpu();
      line("updates/s into one daemon (window %d, durable): %,.0f; baseline gRPC health checks/s"
          + " (same window, same daemon): %,.0f; ratio %.2f", WINDOW, updates, baseline,
          updates / baseline);
      double checks = baseline * seconds;
      double writes = updates * seconds;
      line("process CPU per call, us (client / daemon 0 / daemon 1 / daemon 2): health check"
          + " %s; update %s", perCall(cpu0, cpu1, checks), perCall(cpu1, cpu2, writes));
      StatusResponse s = DocumentsGrpc.newBlockingStub(channels.get(0))
          .status(StatusRequest.getDefaultInstance());
      line("daemon 0 after the run: %,d documents, %,d local writes, %,d bytes on disk",
          s.getDocuments(), s.getLocalWrites(), s.getSizeOnDisk());

      for (int rate : quick ? new int[] {200} : new int[] {200, 1_000}) {
        visibility(channels, rate, seconds, "vis" + rate + "/", true);
      }
      bulk(channels, quick ? 20_000 : 100_000, "bulk/", true);
    } finally {
      for (ManagedChannel c : channels) {
        c.shutdownNow();
      }
      for (Process p : daemons) {
        p.destroy();
      }
      for (Process p : daemons) {
        p.waitFor(30, TimeUnit.SECONDS);
      }
    }
    return report;
  }

  // ---- phases -----------------------------------------------------------------------------------

  /**
   * Brings the four JVMs to steady state before anything is measured: fresh daemons spend their
   * first half minute or so compiling (the C2 compiler was the busiest thread of every daemon in a
   * profile of a run that warmed up for 8 s), which no long-running peer pays. Runs each measured
   * path: the closed loops alternately, then writes at a fixed rate with watches open, then bulk
   * batches (to documents of their own, not counted later).
   */
  private void warmUp(List<ManagedChannel> channels, DocumentsGrpc.DocumentsStub api,
      HealthGrpc.HealthStub health) throws Exception {
    int rounds = quick ? 1 : WARM_UP_ROUNDS;
    for (int i = 0; i < rounds; i++) {
      closedLoop(n -> check(health), quick ? 1 : 5);
      closedLoop(n -> update(api, n), quick ? 1 : 5);
    }
    if (!quick) {
      visibility(channels, 1_000, 3, "warm/", false);
      bulk(channels, 20_000, "warm-bulk/", false);
    }
  }

  /** CPU time so far of this process and of each daemon, in nanoseconds. */
  private long[] cpu() {
    long[] out = new long[4];
    out[0] = cpuNanos(ProcessHandle.current());
    for (int i = 0; i < 3; i++) {
      out[i + 1] = cpuNanos(daemons.get(i).toHandle());
    }
    return out;
  }

  private static long cpuNanos(ProcessHandle p) {
    return p.info().totalCpuDuration().map(java.time.Duration::toNanos).orElse(-1L);
  }

  private static String perCall(long[] from, long[] to, double calls) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < from.length; i++) {
      b.append(i == 0 ? "" : " / ").append(from[i] < 0 || to[i] < 0 ? "n/a"
          : String.format(Locale.ROOT, "%.0f", (to[i] - from[i]) / 1e3 / calls));
    }
    return b.toString();
  }

  /** Calls {@code call} with at most WINDOW in flight for {@code seconds}; returns calls/s. */
  @SuppressWarnings("FutureReturnValueIgnored") // each call's callback counts its outcome itself
  private double closedLoop(Function<Long, java.util.concurrent.CompletableFuture<?>> call,
      int seconds)
      throws InterruptedException {
    Semaphore window = new Semaphore(WINDOW);
    AtomicLong done = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    long start = System.nanoTime();
    long end = start + TimeUnit.SECONDS.toNanos(seconds);
    long n = 0;
    while (System.nanoTime() < end) {
      window.acquire();
      call.apply(n++).whenComplete((v, t) -> {
        if (t != null) {
          failed.incrementAndGet();
        } else {
          done.incrementAndGet();
        }
        window.release();
      });
    }
    window.acquire(WINDOW);
    double elapsed = (System.nanoTime() - start) / 1e9;
    if (failed.get() > 0) {
      throw new IllegalStateException(failed.get() + " calls failed");
    }
    return done.get() / elapsed;
  }

  private java.util.concurrent.CompletableFuture<UpdateResponse> update(
      DocumentsGrpc.DocumentsStub api, long n) {
    UpdateRequest r = UpdateRequest.newBuilder().setKey("bench/" + (n % KEYS))
        .addOperations(Operation.newBuilder().setIncrement(
            Increment.newBuilder().setPath("count").setAmount(1)))
        .addOperations(Operation.newBuilder().setSet(
            Set.newBuilder().setPath("last").setValueJson(Long.toString(n))))
        .build();
    java.util.concurrent.CompletableFuture<UpdateResponse> f =
        new java.util.concurrent.CompletableFuture<>();
    api.update(r, observer(f));
    return f;
  }

  private java.util.concurrent.CompletableFuture<HealthCheckResponse> check(
      HealthGrpc.HealthStub health) {
    java.util.concurrent.CompletableFuture<HealthCheckResponse> f =
        new java.util.concurrent.CompletableFuture<>();
    health.check(HealthCheckRequest.getDefaultInstance(), observer(f));
    return f;
  }

  private static <T> StreamObserver<T> observer(java.util.concurrent.CompletableFuture<T> f) {
    return new StreamObserver<>() {
      @Override
      public void onNext(T value) {
        f.complete(value);
      }

      @Override
      public void onError(Throwable t) {
        f.completeExceptionally(t);
      }

      @Override
      public void onCompleted() {}
    };
  }

  /**
   * Waits until both watches are registered: a watch is once it has seen a write made after it,
   * so {@code probe} (under the watched prefix) is written into daemon 0 every 50 ms until both
   * have seen it. A fixed wait would lose the first measured updates whenever a loaded machine
   * registers a watch late.
   */
  private static void awaitWatches(ManagedChannel channel, String probe, CountDownLatch registered)
      throws InterruptedException {
    DocumentsGrpc.DocumentsBlockingStub api = DocumentsGrpc.newBlockingStub(channel);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    for (int n = 0; !registered.await(50, TimeUnit.MILLISECONDS); n++) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the watches did not register within 30 s");
      }
      api.update(UpdateRequest.newBuilder().setKey(probe).addOperations(Operation.newBuilder()
          .setSet(Set.newBuilder().setPath("n").setValueJson(Integer.toString(n)))).build());
    }
  }

  /** Writes at {@code rate}/s into daemon 0; watch streams at 1 and 2 time each arrival. */
  private void visibility(List<ManagedChannel> channels, int rate, int seconds, String prefix,
      boolean report) throws Exception {
    int total = rate * seconds;
    Map<String, Long> sent = new ConcurrentHashMap<>();
    Histogram fromSend = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
    Histogram fromAck = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
    Map<String, Long> acked = new ConcurrentHashMap<>();
    CountDownLatch seen = new CountDownLatch(2 * total);
    String probe = prefix + "probe";
    CountDownLatch registered = new CountDownLatch(2);
    List<io.grpc.Context.CancellableContext> watches = new ArrayList<>();
    for (int i = 1; i <= 2; i++) {
      io.grpc.Context.CancellableContext ctx = io.grpc.Context.current().withCancellation();
      AtomicBoolean sawProbe = new AtomicBoolean();
      watches.add(ctx);
      DocumentsGrpc.DocumentsStub w = DocumentsGrpc.newStub(channels.get(i));
      ctx.run(() -> w.watch(WatchRequest.newBuilder().setPrefix(prefix).build(),
          new StreamObserver<WatchEvent>() {
            @Override
            public void onNext(WatchEvent e) {
              long now = System.nanoTime();
              if (e.getKey().equals(probe)) {
                if (sawProbe.compareAndSet(false, true)) {
                  registered.countDown();
                }
                return;
              }
              Long t0 = sent.get(e.getKey());
              if (t0 != null) {
                synchronized (fromSend) {
                  fromSend.recordValue(Math.max(0, now - t0));
                  Long t1 = acked.get(e.getKey());
                  if (t1 != null) {
                    fromAck.recordValue(Math.max(0, now - t1));
                  }
                }
                seen.countDown();
              }
            }

            @Override
            public void onError(Throwable t) {}

            @Override
            public void onCompleted() {}
          }));
    }
    awaitWatches(channels.get(0), probe, registered);
    DocumentsGrpc.DocumentsStub api = DocumentsGrpc.newStub(channels.get(0));
    long interval = TimeUnit.SECONDS.toNanos(1) / rate;
    long next = System.nanoTime();
    for (int n = 0; n < total; n++) {
      long wait = next - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
      }
      next += interval;
      String key = prefix + n;
      sent.put(key, System.nanoTime());
      api.update(UpdateRequest.newBuilder().setKey(key).addOperations(Operation.newBuilder()
          .setSet(Set.newBuilder().setPath("n").setValueJson(Integer.toString(n)))).build(),
          new StreamObserver<UpdateResponse>() {
            @Override
            public void onNext(UpdateResponse value) {
              acked.put(key, System.nanoTime());
            }

            @Override
            public void onError(Throwable t) {}

            @Override
            public void onCompleted() {}
          });
    }
    boolean all = seen.await(60, TimeUnit.SECONDS);
    for (io.grpc.Context.CancellableContext c : watches) {
      c.cancel(null);
    }
    if (!report) {
      return;
    }
    synchronized (fromSend) {
      line("visible at the other two daemons, %,d updates/s into daemon 0 (%,d updates, %s):"
          + " from send p50 %.2f ms, p99 %.2f ms, max %.2f ms; from the write's ack p50 %.2f ms,"
          + " p99 %.2f ms", rate, total, all ? "all seen at both" : "NOT all seen: "
          + seen.getCount() + " missing", ms(fromSend.getValueAtPercentile(50)),
          ms(fromSend.getValueAtPercentile(99)), ms(fromSend.getMaxValue()),
          ms(fromAck.getValueAtPercentile(50)), ms(fromAck.getValueAtPercentile(99)));
    }
  }

  /**
   * The bulk path: {@code total} single-key updates, each to a document of its own, in
   * UpdateBatch calls of {@link #BATCH} with {@link #BATCH_WINDOW} batches in flight, into daemon
   * 0; then how long until the other two hold every one of those documents.
   */
  @SuppressWarnings("FutureReturnValueIgnored") // each batch's callback counts its failures itself
  private void bulk(List<ManagedChannel> channels, int total, String prefix, boolean report)
      throws Exception {
    long[] before = new long[3];
    for (int i = 0; i < 3; i++) {
      before[i] = DocumentsGrpc.newBlockingStub(channels.get(i))
          .status(StatusRequest.getDefaultInstance()).getDocuments();
    }
    DocumentsGrpc.DocumentsStub api = DocumentsGrpc.newStub(channels.get(0));
    Semaphore window = new Semaphore(BATCH_WINDOW);
    AtomicLong failed = new AtomicLong();
    long start = System.nanoTime();
    for (int first = 0; first < total; first += BATCH) {
      UpdateBatchRequest.Builder b = UpdateBatchRequest.newBuilder();
      for (int n = first; n < Math.min(total, first + BATCH); n++) {
        b.addUpdates(UpdateRequest.newBuilder().setKey(prefix + n).addOperations(Operation
            .newBuilder().setSet(Set.newBuilder().setPath("n").setValueJson(Integer.toString(n)))));
      }
      window.acquire();
      java.util.concurrent.CompletableFuture<UpdateBatchResponse> f =
          new java.util.concurrent.CompletableFuture<>();
      api.updateBatch(b.build(), observer(f));
      f.whenComplete((r, t) -> {
        if (t != null) {
          failed.addAndGet(BATCH);
        } else {
          r.getResultsList().stream().filter(x -> x.getCode() != 0).forEach(
              x -> failed.incrementAndGet());
        }
        window.release();
      });
    }
    window.acquire(BATCH_WINDOW);
    long acked = System.nanoTime();
    if (failed.get() > 0) {
      throw new IllegalStateException(failed.get() + " bulk updates failed");
    }
    long[] equalAt = new long[3];
    long deadline = acked + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < deadline && (equalAt[1] == 0 || equalAt[2] == 0)) {
      for (int i = 1; i <= 2; i++) {
        if (equalAt[i] == 0 && DocumentsGrpc.newBlockingStub(channels.get(i))
            .status(StatusRequest.getDefaultInstance()).getDocuments() >= before[i] + total) {
          equalAt[i] = System.nanoTime();
        }
      }
      Thread.sleep(10);
    }
    long last = Math.max(equalAt[1], equalAt[2]);
    if (!report) {
      return;
    }
    line("bulk: %,d single-key updates to %,d new documents in UpdateBatch calls of %,d (%d in"
        + " flight): %,.0f durable updates/s into daemon 0; %s", total, total, BATCH,
        BATCH_WINDOW, total / ((acked - start) / 1e9), equalAt[1] == 0 || equalAt[2] == 0
            ? "the other two did NOT hold them all within 120 s"
            : String.format(Locale.ROOT, "all three equal %.2f s after the last ack; replicated"
                + " to both others at %,.0f updates/s (first write to last arrival)",
                (last - acked) / 1e9, total / ((last - start) / 1e9)));
  }

  // ---- daemons ----------------------------------------------------------------------------------

  private void start(int i) throws Exception {
    List<Integer> others = new ArrayList<>();
    for (int j = 0; j < 3; j++) {
      if (j != i) {
        others.add(ports[j]);
      }
    }
    List<String> jvm = new ArrayList<>(List.of("-Xmx1g"));
    String jfr = System.getProperty("meridian.bench.jfr"); // profile daemon 0 into this file
    if (i == 0 && jfr != null) {
      jvm.add("-XX:StartFlightRecording=filename=" + jfr + ",settings=profile");
    }
    daemons.add(DaemonProcess.start(dir.resolve("peer" + i), "peer" + i, ports[i], others,
        dir.resolve("peer" + i + ".log"), jvm).process());
  }

  private static double ms(long nanos) {
    return nanos / 1e6;
  }

  private void line(String format, Object... args) {
    String s = String.format(Locale.ROOT, format, args);
    report.add(s);
  }
}
