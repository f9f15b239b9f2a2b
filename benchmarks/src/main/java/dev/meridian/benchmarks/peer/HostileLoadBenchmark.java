package dev.meridian.benchmarks.peer;

import com.google.protobuf.ByteString;
import dev.meridian.crdt.Replica;
import dev.meridian.crdt.ReplicaId;
import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.clock.HybridClock;
import dev.meridian.crdt.codec.CrdtCodec;
import dev.meridian.crdt.doc.Document;
import dev.meridian.peer.cli.DaemonProcess;
import dev.meridian.peer.proto.DeleteRequest;
import dev.meridian.peer.proto.DocumentsGrpc;
import dev.meridian.peer.proto.GetRequest;
import dev.meridian.peer.proto.ListRequest;
import dev.meridian.peer.proto.ListResponse;
import dev.meridian.peer.proto.Operation;
import dev.meridian.peer.proto.Set;
import dev.meridian.peer.proto.StatusRequest;
import dev.meridian.peer.proto.UpdateBatchRequest;
import dev.meridian.peer.proto.UpdateRequest;
import dev.meridian.peer.proto.WatchEvent;
import dev.meridian.peer.proto.WatchRequest;
import dev.meridian.transport.proto.Delta;
import dev.meridian.transport.proto.DeltaBatch;
import dev.meridian.transport.proto.Hello;
import dev.meridian.transport.proto.ReplicationGrpc;
import dev.meridian.transport.proto.SyncFrame;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;

/**
 * One peer daemon in a process of its own with a 512 MiB heap ({@code -Xmx512m}, durable writes,
 * plaintext, on 127.0.0.1), probed through the client API by a well-behaved client while hostile
 * clients and a hostile peer load it: does it keep serving, without running out of memory, and
 * how much slower?
 *
 * <p>The probe sends Get and Update calls at a fixed rate ({@link #PROBE_RATE} a second, half
 * each, to 100 small documents), each timed from when it was due (so a stalled daemon counts in
 * full, not just the calls that got through), with nothing else running ("unloaded") and while
 * all of this runs at once ("hostile"), in alternating rounds of {@link #ROUND_SECONDS} each
 * (three of each; one of 4 s with {@code --quick}), so a neighbour's burst on a shared machine
 * falls on both alike. Before, every path (probe and hostile) runs for a while to be compiled.
 * The hostile clients, each on connections of its own, at fixed rates:
 *
 * <ul>
 *   <li><b>1,000 watchers that stop reading</b>: 10 connections with a 1 KiB flow-control window,
 *       100 watches each (the most one connection may hold), with documents, that never ask for
 *       a message. A client that does not read never hears that its watch was ended (the status
 *       waits behind the events it did not read), so each connection keeps opening watches, ten
 *       every 200 ms, and waits a second whenever the daemon refuses one (the connection holds
 *       its 100): the daemon holds about 1,000 however many it ends for falling behind. A writer changes the
 *       20 watched documents (1 KB each) {@link #WATCHED_WRITES} times a second.
 *   <li><b>Huge JSON numbers</b>: Updates whose value is a number of 7,000,000 digits (under the
 *       message limit, so the JSON check refuses it) or 10,000,000 digits (10 MB: over the
 *       message limit, cut while it is read), {@link #NUMBER_RATE} a second.
 *   <li><b>A list page over 10,000 deleted documents</b>: List calls over a prefix whose 10,000
 *       documents were all deleted, {@link #LIST_RATE} a second.
 *   <li><b>Forged replication frames</b>: {@link #FORGED_RATE} raw replication streams a second
 *       that say Hello as a new replica, then send one forged batch (a delta claiming dots of
 *       the daemon's own replica it never issued, one with a counter above 2^48, or bytes that
 *       are no delta), and are refused.
 * </ul>
 *
 * <p>Printed: the probe's p50 and p99 per call in both phases and the ratio of the p99s, what the
 * hostile clients got (counts by outcome), and the daemon's state after it (alive or not, any
 * OutOfMemoryError in its log, its live heap at the end of the last hostile round (after a full
 * collection, forced with {@code jcmd} once the probe is done), the most heap in use after a
 * young collection (which counts old garbage not yet collected), its longest GC pause).
 * Each hostile client has at most {@link #HOSTILE_IN_FLIGHT} calls unanswered; {@code
 * -Dmeridian.bench.hostile=watches,lists} runs only those named. Nothing is asserted on time: on a shared 2-core machine the ratio says more
 * about the neighbours than about the daemon, so runs are repeated and reported as they came.
 *
 * <p>Run (from the repository root):
 *
 * <pre>{@code
 * mvn -q -B -pl benchmarks -am package -DskipTests
 * java -cp benchmarks/target/benchmarks.jar dev.meridian.benchmarks.peer.HostileLoadBenchmark [--quick]
 * }</pre>
 */
public final class HostileLoadBenchmark {
  /** Probe calls a second, Gets and Updates alternately. */
  static final int PROBE_RATE = 200;
  /** Seconds of each round of the probe, unloaded or hostile (not with --quick). */
  static final int ROUND_SECONDS = 10;
  private static final int ROUNDS = 3;
  private static final int PROBE_KEYS = 100;
  private static final int WATCH_CONNECTIONS = 10;
  private static final int WATCHES_PER_CONNECTION = 100;
  /** Writes a second to the watched documents while the watchers stall. */
  static final int WATCHED_WRITES = 20;
  /** Huge-number Updates a second, 7 MB and 10 MB alternately. */
  static final int NUMBER_RATE = 4;
  /** List calls a second over the deleted documents. */
  static final int LIST_RATE = 20;
  /** Forged replication conversations a second. */
  static final int FORGED_RATE = 10;
  /** The most unanswered calls of each hostile client. */
  private static final int HOSTILE_IN_FLIGHT = 4;
  private static final int DELETED = 10_000;
  /**
   * The hostile clients to run ({@code -Dmeridian.bench.hostile=watches,numbers,lists,forged},
   * the default: all), to see what each costs alone.
   */
  private static final List<String> ATTACKS = List.of(System.getProperty(
      "meridian.bench.hostile", "watches,numbers,lists,forged").split(","));

  private final boolean quick;
  private final List<String> report = new ArrayList<>();
  /** The hostile clients' connections, closed when the hostile load stops. */
  private final List<ManagedChannel> hostileChannels = new ArrayList<>();
  private final AtomicBoolean hostile = new AtomicBoolean();
  private final List<Thread> threads = new ArrayList<>();
  private final Map<String, AtomicLong> outcomes = new ConcurrentHashMap<>();
  private Process daemon;
  private ManagedChannel probeChannel;
  private int port;
  private Path dir;

  private HostileLoadBenchmark(boolean quick) {
    this.quick = quick;
  }

  /** Runs the benchmark and prints one line per figure. */
  public static void main(String[] args) throws Exception {
    new HostileLoadBenchmark(List.of(args).contains("--quick")).run()
        .forEach(System.out::println);
  }

  /** A short run of every phase; returns the report lines. */
  static List<String> runQuick() throws Exception {
    return new HostileLoadBenchmark(true).run();
  }

  List<String> run() throws Exception {
    dir = Files.createTempDirectory("meridian-hostile-bench");
    int warmSeconds = quick ? 3 : 20;
    int roundSeconds = quick ? 4 : ROUND_SECONDS;
    int rounds = quick ? 1 : ROUNDS;
    line("setup: 1 daemon process with -Xmx512m on 127.0.0.1, durable writes, plaintext; probe"
        + " %d calls/s (Get and Update alternately) on its own connection, %d rounds of %d s"
        + " unloaded and hostile alternately; hostile: %s; JVM %s, %d cores", PROBE_RATE, rounds,
        roundSeconds, String.join(",", ATTACKS), System.getProperty("java.version"),
        Runtime.getRuntime().availableProcessors());
    try {
      port = DaemonProcess.freePort();
      daemon = DaemonProcess.start(dir.resolve("data"), "hostile-bench", port, List.of(),
          dir.resolve("daemon.log"), List.of("-Xmx512m", "-XX:+ExitOnOutOfMemoryError",
              "-Xlog:gc:file=" + dir.resolve("gc.log"))).process();
      probeChannel = channel();
      DocumentsGrpc.DocumentsStub probe = DocumentsGrpc.newStub(probeChannel);
      deletedDocuments(DocumentsGrpc.newBlockingStub(probeChannel), probe);

      probe(probe, warmSeconds, null); // warm the probe's paths up
      startHostileLoad();
      Thread.sleep(TimeUnit.SECONDS.toMillis(warmSeconds)); // and the hostile ones
      stopHostileLoad();
      outcomes.clear();

      Histogram[] unloaded = histograms();
      Histogram[] loaded = histograms();
      long liveAtEnd = -1;
      for (int r = 0; r < rounds; r++) {
        Thread.sleep(2_000); // the daemon settles: watches ended, streams closed
        probe(probe, roundSeconds, unloaded);
        startHostileLoad();
        Thread.sleep(3_000); // every hostile client under way, the 1,000 watches open
        probe(probe, roundSeconds, loaded);
        if (r == rounds - 1) {
          liveAtEnd = liveHeapMegabytes();
        }
        stopHostileLoad();
      }
      Map<String, Long> got = counts();

      line("unloaded: Get p50 %.2f ms, p99 %.2f ms; Update p50 %.2f ms, p99 %.2f ms (%,d calls,"
          + " %d failed)", ms(unloaded[0], 50), ms(unloaded[0], 99), ms(unloaded[1], 50),
          ms(unloaded[1], 99), unloaded[0].getTotalCount() + unloaded[1].getTotalCount(),
          unloaded[2].getTotalCount());
      line("hostile: Get p50 %.2f ms, p99 %.2f ms; Update p50 %.2f ms, p99 %.2f ms (%,d calls,"
          + " %d failed)", ms(loaded[0], 50), ms(loaded[0], 99), ms(loaded[1], 50),
          ms(loaded[1], 99), loaded[0].getTotalCount() + loaded[1].getTotalCount(),
          loaded[2].getTotalCount());
      line("p99 hostile/unloaded: Get %.2f, Update %.2f", ms(loaded[0], 99) / ms(unloaded[0], 99),
          ms(loaded[1], 99) / ms(unloaded[1], 99));
      line("hostile clients got, in the hostile rounds: %s", got);
      line(daemonState(DocumentsGrpc.newBlockingStub(probeChannel), liveAtEnd));
    } finally {
      stopHostileLoad();
      if (probeChannel != null) {
        probeChannel.shutdownNow();
      }
      if (daemon != null) {
        daemon.destroy();
        daemon.waitFor(30, TimeUnit.SECONDS);
      }
    }
    return report;
  }

  /** Histograms of Get latency, Update latency, and failed calls. */
  private static Histogram[] histograms() {
    Histogram[] h = new Histogram[3];
    for (int i = 0; i < 3; i++) {
      h[i] = new Histogram(TimeUnit.SECONDS.toNanos(120), 3);
    }
    return h;
  }

  // ---- the probe --------------------------------------------------------------------------------

  /**
   * Gets and Updates at {@link #PROBE_RATE} for {@code seconds}, each timed from when it was due,
   * into {@code into} (Get latency, Update latency, failed calls; null: a warm-up, not kept).
   */
  private void probe(DocumentsGrpc.DocumentsStub api, int seconds, Histogram[] into)
      throws InterruptedException {
    Histogram[] h3 = into != null ? into : histograms();
    Histogram get = h3[0];
    Histogram update = h3[1];
    Histogram failed = h3[2];
    long interval = TimeUnit.SECONDS.toNanos(1) / PROBE_RATE;
    long start = System.nanoTime();
    int total = PROBE_RATE * seconds;
    Semaphore outstanding = new Semaphore(0);
    for (int n = 0; n < total; n++) {
      long due = start + n * interval;
      long wait = due - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
      }
      String key = "probe/" + (n / 2 % PROBE_KEYS);
      boolean isGet = n % 2 == 0;
      Histogram h = isGet ? get : update;
      StreamObserver<Object> done = new StreamObserver<>() {
        @Override
        public void onNext(Object value) {}

        @Override
        public void onError(Throwable t) {
          record(failed, due);
        }

        @Override
        public void onCompleted() {
          record(h, due);
        }

        private void record(Histogram to, long from) {
          synchronized (to) {
            to.recordValue(Math.max(0, System.nanoTime() - from));
          }
          outstanding.release();
        }
      };
      if (isGet) {
        api.get(GetRequest.newBuilder().setKey(key).build(), cast(done));
      } else {
        api.update(UpdateRequest.newBuilder().setKey(key).addOperations(Operation.newBuilder()
            .setSet(Set.newBuilder().setPath("n").setValueJson(Integer.toString(n)))).build(),
            cast(done));
      }
    }
    if (!outstanding.tryAcquire(total, 120, TimeUnit.SECONDS)) {
      throw new IllegalStateException("probe calls unanswered after 120 s");
    }
  }

  @SuppressWarnings("unchecked")
  private static <T> StreamObserver<T> cast(StreamObserver<Object> o) {
    return (StreamObserver<T>) (StreamObserver<?>) o;
  }

  // ---- hostile load -----------------------------------------------------------------------------

  private void startHostileLoad() throws IOException {
    hostile.set(true);
    if (ATTACKS.contains("watches")) {
      for (int c = 0; c < WATCH_CONNECTIONS; c++) {
        ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext()
            .flowControlWindow(1024).build();
        hostileChannels.add(ch);
        DocumentsGrpc.DocumentsStub w = DocumentsGrpc.newStub(ch);
        spawn("watchers-" + c, () -> {
          // Open watches ten at a time; once the daemon refuses one (the connection holds its
          // 100), wait a second: by then it may have ended some for falling behind.
          while (hostile.get()) {
            List<CompletableFuture<Status>> opened = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
              opened.add(stalledWatch(w));
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
            if (opened.stream().anyMatch(f -> f.isDone()
                && f.join().getCode() == Status.Code.RESOURCE_EXHAUSTED)) {
              LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(1));
            }
          }
        });
      }
      DocumentsGrpc.DocumentsStub writer = DocumentsGrpc.newStub(hostileChannel());
      String filler = "x".repeat(1_000);
      AtomicLong n = new AtomicLong();
      paced("watched-writer", WATCHED_WRITES, window -> writer.update(UpdateRequest.newBuilder()
          .setKey("w/" + (n.get() % 20)).addOperations(Operation.newBuilder().setSet(Set
              .newBuilder().setPath("v").setValueJson("\"" + filler + n.getAndIncrement()
                  + "\""))).build(), counting("watched write", window)));
    }
    if (ATTACKS.contains("numbers")) {
      UpdateRequest big = number(7_000_000);
      UpdateRequest huge = number(10_000_000);
      DocumentsGrpc.DocumentsStub numbers = DocumentsGrpc.newStub(hostileChannel());
      AtomicLong n = new AtomicLong();
      paced("numbers", NUMBER_RATE, window -> {
        boolean even = n.getAndIncrement() % 2 == 0;
        numbers.update(even ? big : huge, counting(even ? "7 MB number" : "10 MB number",
            window));
      });
    }
    if (ATTACKS.contains("lists")) {
      DocumentsGrpc.DocumentsStub lists = DocumentsGrpc.newStub(hostileChannel());
      ListRequest r = ListRequest.newBuilder().setPrefix("gone/").setPageSize(1_000).build();
      paced("lists", LIST_RATE, window -> lists.list(r, counting("list of deleted", window)));
    }
    if (ATTACKS.contains("forged")) {
      ReplicaId self = ReplicaId.parse(DocumentsGrpc.newBlockingStub(probeChannel)
          .status(StatusRequest.getDefaultInstance()).getReplicaId());
      ReplicationGrpc.ReplicationStub sync = ReplicationGrpc.newStub(hostileChannel());
      AtomicLong n = new AtomicLong();
      paced("forger", FORGED_RATE, window -> forge(sync, self, (int) (n.getAndIncrement() % 3),
          window));
    }
  }

  /** An Update setting a number of {@code digits} digits. */
  private static UpdateRequest number(int digits) {
    return UpdateRequest.newBuilder().setKey("numbers/n").addOperations(Operation.newBuilder()
        .setSet(Set.newBuilder().setPath("v").setValueJson("1" + "0".repeat(digits - 1))))
        .build();
  }

  /**
   * Starts {@code call} {@code rate} times a second on a thread of its own, with at most
   * {@link #HOSTILE_IN_FLIGHT} calls unanswered (each call releases its permit when answered).
   */
  private void paced(String name, int rate, java.util.function.Consumer<Semaphore> call) {
    spawn(name, () -> {
      Semaphore window = new Semaphore(HOSTILE_IN_FLIGHT);
      long interval = TimeUnit.SECONDS.toNanos(1) / rate;
      long next = System.nanoTime();
      while (hostile.get()) {
        LockSupport.parkNanos(next - System.nanoTime());
        next += interval;
        window.acquireUninterruptibly();
        call.accept(window);
      }
    });
  }

  private void stopHostileLoad() throws InterruptedException {
    hostile.set(false);
    for (Thread t : threads) {
      t.join(30_000);
    }
    threads.clear();
    for (ManagedChannel c : hostileChannels) {
      c.shutdownNow();
    }
    hostileChannels.clear();
  }

  /** A watch that never asks for a message; completes with its status if it ends. */
  private CompletableFuture<Status> stalledWatch(DocumentsGrpc.DocumentsStub stub) {
    CompletableFuture<Status> end = new CompletableFuture<>();
    stub.watch(WatchRequest.newBuilder().setPrefix("w/").setIncludeDocuments(true).build(),
        new ClientResponseObserver<WatchRequest, WatchEvent>() {
          @Override
          public void beforeStart(ClientCallStreamObserver<WatchRequest> call) {
            call.disableAutoRequestWithInitial(0);
          }

          @Override
          public void onNext(WatchEvent value) {}

          @Override
          public void onError(Throwable t) {
            Status s = Status.fromThrowable(t);
            boolean full = s.getDescription() != null
                && s.getDescription().startsWith("this connection holds");
            count(full ? "watch refused, connection full" : "watch", s);
            end.complete(s);
          }

          @Override
          public void onCompleted() {
            count("watch", Status.OK);
            end.complete(Status.OK);
          }
        });
    return end;
  }

  /**
   * One forged conversation: Hello as a new replica, then one batch of {@code kind} (0: a claim on
   * the daemon's own dots, 1: a counter above 2^48, 2: bytes that are no delta); waits for the end.
   */
  private void forge(ReplicationGrpc.ReplicationStub sync, ReplicaId daemon, int kind,
      Semaphore window) {
    ReplicaId me = ReplicaId.random();
    CompletableFuture<Status> end = new CompletableFuture<>();
    CompletableFuture<Void> answered = new CompletableFuture<>();
    StreamObserver<SyncFrame> out = sync.sync(new StreamObserver<>() {
      @Override
      public void onNext(SyncFrame f) {
        answered.complete(null);
      }

      @Override
      public void onError(Throwable t) {
        answered.complete(null);
        end.complete(Status.fromThrowable(t));
      }

      @Override
      public void onCompleted() {
        answered.complete(null);
        end.complete(Status.OK);
      }
    });
    out.onNext(SyncFrame.newBuilder().setHello(Hello.newBuilder().setProtocolVersion(1)
        .setClusterId("meridian").setReplicaId(me.value()).setSite("forger")
        .setContext(ByteString.copyFrom(CrdtCodec.encode(new CausalContext())))).build());
    try {
      answered.get(30, TimeUnit.SECONDS);
      byte[] delta = switch (kind) {
        case 0 -> CrdtCodec.encode(Document.create(Replica.resume(daemon, 1L << 30,
            new HybridClock())).set("forged", 1));
        case 1 -> CrdtCodec.encode(Document.create(Replica.resume(me, 1L << 50,
            new HybridClock())).set("forged", 1));
        default -> new byte[] {1, 2, 3, 4, 5, 6, 7, 8};
      };
      out.onNext(SyncFrame.newBuilder().setBatch(DeltaBatch.newBuilder().setSeq(1)
          .addDeltas(Delta.newBuilder().setKey("forged/" + kind)
              .setDelta(ByteString.copyFrom(delta)))).build());
      count("forged " + new String[] {"own dots", "counter above 2^48", "bytes"}[kind],
          end.get(30, TimeUnit.SECONDS));
    } catch (Exception e) {
      count("forged (no answer)", Status.fromThrowable(e));
      out.onError(e);
    } finally {
      window.release();
    }
  }

  private <T> StreamObserver<T> counting(String what, Semaphore window) {
    return new StreamObserver<>() {
      @Override
      public void onNext(T value) {}

      @Override
      public void onError(Throwable t) {
        count(what, Status.fromThrowable(t));
        window.release();
      }

      @Override
      public void onCompleted() {
        count(what, Status.OK);
        window.release();
      }
    };
  }

  private void count(String what, Status s) {
    if (hostile.get()) { // not the calls ended by stopping the load
      outcomes.computeIfAbsent(what + ": " + s.getCode(), k -> new AtomicLong()).incrementAndGet();
    }
  }

  private Map<String, Long> counts() {
    Map<String, Long> out = new TreeMap<>();
    outcomes.forEach((k, v) -> out.put(k, v.get()));
    return out;
  }

  private void spawn(String name, Runnable r) {
    Thread t = new Thread(r, "hostile-" + name);
    t.setDaemon(true);
    threads.add(t);
    t.start();
  }

  // ---- setup and the daemon's state -------------------------------------------------------------

  /**
   * Writes the probe's documents, and {@link #DELETED} documents under "gone/" which it then
   * deletes, every one.
   */
  private void deletedDocuments(DocumentsGrpc.DocumentsBlockingStub api,
      DocumentsGrpc.DocumentsStub async) throws InterruptedException {
    for (int n = 0; n < PROBE_KEYS; n++) {
      api.update(UpdateRequest.newBuilder().setKey("probe/" + n).addOperations(Operation
          .newBuilder().setSet(Set.newBuilder().setPath("n").setValueJson("0"))).build());
    }
    for (int first = 0; first < DELETED; first += 1_000) {
      UpdateBatchRequest.Builder b = UpdateBatchRequest.newBuilder();
      for (int n = first; n < first + 1_000; n++) {
        b.addUpdates(UpdateRequest.newBuilder().setKey("gone/" + n).addOperations(Operation
            .newBuilder().setSet(Set.newBuilder().setPath("n").setValueJson("1"))));
      }
      api.updateBatch(b.build());
    }
    Semaphore window = new Semaphore(64);
    for (int n = 0; n < DELETED; n++) {
      window.acquire();
      async.delete(DeleteRequest.newBuilder().setKey("gone/" + n).build(),
          counting("setup delete", window));
    }
    window.acquire(64);
    ListResponse left = api.list(ListRequest.newBuilder().setPrefix("gone/").build());
    if (left.getKeysCount() != 0) {
      throw new IllegalStateException("deleted documents still listed: " + left.getKeysCount());
    }
  }

  /**
   * The daemon's live heap in MB: the total of {@code jcmd GC.class_histogram}, which collects in
   * full first (a pause: taken only once the probe is done); -1 if jcmd cannot tell.
   */
  private long liveHeapMegabytes() {
    try {
      Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd")
          .toString(), Long.toString(daemon.pid()), "GC.class_histogram").redirectErrorStream(true)
          .start();
      String out = new String(jcmd.getInputStream().readAllBytes(),
          java.nio.charset.StandardCharsets.UTF_8);
      jcmd.waitFor(60, TimeUnit.SECONDS);
      Matcher m = Pattern.compile("Total\\s+\\d+\\s+(\\d+)").matcher(out);
      return m.find() ? Long.parseLong(m.group(1)) >> 20 : -1;
    } catch (IOException | InterruptedException e) {
      return -1;
    }
  }

  private String daemonState(DocumentsGrpc.DocumentsBlockingStub api, long liveAtEnd)
      throws IOException {
    boolean alive = daemon.isAlive();
    String log = Files.exists(dir.resolve("daemon.log"))
        ? Files.readString(dir.resolve("daemon.log")) : "";
    boolean oom = log.contains("OutOfMemoryError");
    long maxAfter = 0;
    double longestPause = 0;
    long fullGcs = 0;
    Path gc = dir.resolve("gc.log");
    if (Files.exists(gc)) {
      Pattern pause = Pattern.compile("(Pause [A-Za-z]+).*?\\d+M->(\\d+)M\\(\\d+M\\) ([0-9.]+)ms");
      for (String l : Files.readAllLines(gc)) {
        Matcher m = pause.matcher(l);
        if (!m.find() || l.contains("Heap Inspection")) {
          continue; // not a pause, or jcmd's
        }
        longestPause = Math.max(longestPause, Double.parseDouble(m.group(3)));
        if (m.group(1).equals("Pause Young")) {
          maxAfter = Math.max(maxAfter, Long.parseLong(m.group(2)));
        } else if (m.group(1).equals("Pause Full")) {
          fullGcs++;
        }
      }
    }
    String documents = "";
    if (alive) {
      documents = ", " + api.status(StatusRequest.getDefaultInstance()).getDocuments()
          + " documents";
    }
    return String.format(Locale.ROOT, "daemon after the run: %s, %s; live heap at the end of"
        + " the last hostile round %d MB of 512; in use after a young GC at most %d MB; longest"
        + " GC pause %.1f ms, %d full GCs (besides jcmd's)%s", alive ? "alive" : "NOT ALIVE (exit "
        + daemon.exitValue() + ")", oom ? "OutOfMemoryError in its log" : "no OutOfMemoryError",
        liveAtEnd, maxAfter, longestPause, fullGcs, documents);
  }

  private ManagedChannel channel() {
    return NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
  }

  private ManagedChannel hostileChannel() {
    ManagedChannel c = channel();
    hostileChannels.add(c);
    return c;
  }

  private static double ms(Histogram h, double percentile) {
    return h.getValueAtPercentile(percentile) / 1e6;
  }

  private void line(String format, Object... args) {
    report.add(String.format(Locale.ROOT, format, args));
  }
}
