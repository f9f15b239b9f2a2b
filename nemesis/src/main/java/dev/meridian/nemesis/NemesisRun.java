package dev.meridian.nemesis;

import dev.meridian.peer.proto.DocumentsGrpc;
import dev.meridian.peer.proto.DocumentsGrpc.DocumentsBlockingStub;
import dev.meridian.peer.proto.PeerStatus;
import dev.meridian.peer.proto.StatusRequest;
import dev.meridian.peer.proto.StatusResponse;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run: starts the cluster, runs the four workloads at once through a list of nemesis phases
 * (each: the fault for {@code fault}, then healed for {@code settle}), heals everything, stops the
 * clients, waits until every daemon holds the same documents, checks them, and writes {@code
 * report.txt} and {@code timeline.png} into {@code out}. Everything it set up (processes,
 * namespaces, bridge, tmpfs) is removed at the end, also when it fails.
 */
final class NemesisRun {
  /*
   * Order of the teardown: clients stop, daemons get SIGTERM (exit codes reported), then the
   * namespaces go (killing anything left in them), then the tmpfs is unmounted. A run holds an
   * exclusive lock on /tmp/meridian-nemesis.lock throughout, so two runs on one machine (two
   * worktrees, say) wait for each other rather than share names, and whatever carries our names
   * when the lock is taken is a crashed run's and is removed.
   */
  private static final Logger log = LoggerFactory.getLogger(NemesisRun.class);
  static final Path LOCK = Path.of("/tmp/meridian-nemesis.lock");
  static final long SKEW_SECONDS = 300;
  static final String DISK_SIZE = "512m";

  /** What to run. */
  record Options(int nodes, Duration fault, Duration settle, List<Nemesis> phases,
      Duration soak, long seed, Path out, String daemonClassPath, boolean ci,
      Duration convergeLimit) {}

  /**
   * How long the daemons took, after one heal, until each holds the markers written at every
   * daemon just before it: {@code seconds} is -1 if they did not within {@link #REPAIR_WAIT}.
   */
  record Repair(String phase, double healedAt, double seconds, int marks) {}

  /**
   * The disk-full phase's verdict: whether the daemon took writes again after space returned,
   * without a restart ({@code resumed}), and after how many seconds (-1 if not).
   */
  record DiskVerdict(int node, boolean resumed, double seconds, String duringFull, String after) {}

  /** What a run found. */
  record Report(Map<String, long[]> counts, List<Workload.Check> checks, double convergeSeconds,
      List<String> skipped, List<String> findings, List<String> phasesRun, Path png, Path text,
      boolean namespaces, List<Repair> repairs, DiskVerdict disk) {
    long lost() {
      return checks.stream().mapToLong(Workload.Check::lost).sum();
    }

    boolean ok() {
      return checks.stream().allMatch(Workload.Check::ok) && convergeSeconds >= 0;
    }

    /** The slowest repair after a heal, or -1 if one never completed (disk-full excluded). */
    double slowestRepair() {
      double worst = 0;
      for (Repair r : repairs) {
        if (r.phase().equals(Nemesis.DISK_FULL.label)) {
          continue;
        }
        if (r.seconds() < 0) {
          return -1;
        }
        worst = Math.max(worst, r.seconds());
      }
      return worst;
    }
  }

  private final Options o;
  private final Timeline timeline = new Timeline();
  private final AtomicLong acks = new AtomicLong();
  private final List<String> findings = new ArrayList<>();
  private final List<String> skipped = new ArrayList<>();
  private final List<String> phasesRun = new ArrayList<>();
  private final List<Repair> repairs = new ArrayList<>();
  private DiskVerdict diskVerdict;
  private int phaseCount;
  private final Random random;
  private Net net;
  private final List<Node> nodes = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final List<DocumentsBlockingStub> apis = new ArrayList<>();
  private final boolean[] expectedDown;
  private Path diskMount;
  private Path diskFiller;
  private int diskNode = -1;

  private NemesisRun(Options o) {
    this.o = o;
    this.random = new Random(o.seed());
    this.expectedDown = new boolean[o.nodes()];
  }

  /** Runs the suite described by {@code o}. */
  static Report run(Options o) throws Exception {
    if (o.nodes() < 3 || o.nodes() > 5) {
      throw new IllegalArgumentException("the harness runs 3 to 5 daemons, not " + o.nodes());
    }
    try (FileChannel lockFile = FileChannel.open(LOCK, StandardOpenOption.CREATE,
        StandardOpenOption.WRITE); FileLock lock = lockFile.lock()) {
      return new NemesisRun(o).runLocked();
    }
  }

  private Report runLocked() throws Exception {
    Path runDir = o.out().resolve("run");
    Net.cleanLeftovers();
    unmountLeftover(runDir.resolve("disk"));
    deleteTree(runDir);
    Files.createDirectories(runDir);
    String why = Net.namespacesUnavailable();
    if (why != null) {
      String msg = "NETWORK NAMESPACES UNAVAILABLE (" + why + "): daemons run on 127.0.0.x and"
          + " these nemeses are SKIPPED: partition-one, partition-halves, partition-bridge,"
          + " partition-ring, mix";
      if (o.ci()) {
        throw new IllegalStateException(msg + "; CI=true, so the suite fails rather than skip");
      }
      log.error(msg);
    }
    net = Net.open(o.nodes(), why == null);
    // A JVM ended by SIGTERM (a build's timeout) still removes what it set up.
    Thread hook = new Thread(() -> teardown(runDir), "nemesis-teardown");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      return runOnNetwork(runDir);
    } finally {
      Runtime.getRuntime().removeShutdownHook(hook);
      teardown(runDir);
    }
  }

  private Report runOnNetwork(Path runDir) throws Exception {
    boolean root = "root".equals(System.getProperty("user.name"));
    List<Nemesis> phases = new ArrayList<>();
    for (Nemesis n : o.phases()) {
      String reason = null;
      if (n.needsNamespaces && !net.namespaces()) {
        reason = "no network namespaces";
      } else if (n == Nemesis.CLOCK_SKEW && !Node.canSkew()) {
        reason = "libfaketime not installed (" + Node.LIBFAKETIME + ")";
      } else if (n == Nemesis.DISK_FULL && !root) {
        reason = "mounting a tmpfs needs root";
      }
      if (reason != null) {
        skipped.add(n.label + ": " + reason);
        if (o.ci()) {
          throw new IllegalStateException("nemesis " + n.label + " cannot run: " + reason
              + "; CI=true, so the suite fails rather than skip");
        }
        log.error("NEMESIS SKIPPED: {} ({})", n.label, reason);
      } else {
        phases.add(n);
      }
    }
    if (phases.contains(Nemesis.DISK_FULL)) {
      diskNode = o.nodes() - 1;
      diskMount = runDir.resolve("disk");
      Files.createDirectories(diskMount);
      Sh.check("mount", "-t", "tmpfs", "-o", "size=" + DISK_SIZE, "meridian-nemesis", diskMount.toString());
      diskFiller = diskMount.resolve("filler");
    }
    int[] ports = new int[o.nodes()];
    for (int i = 0; i < o.nodes(); i++) {
      ports[i] = net.namespaces() ? Node.PORT : freePort(net.address(i));
    }
    for (int i = 0; i < o.nodes(); i++) {
      List<String> peers = new ArrayList<>();
      for (int j = 0; j < o.nodes(); j++) {
        if (j != i) {
          peers.add(net.address(j) + ":" + ports[j]);
        }
      }
      Path data = i == diskNode ? diskMount.resolve("data") : runDir.resolve("n" + i + "-data");
      nodes.add(new Node(i, net, ports[i], peers, data, runDir, o.daemonClassPath()));
    }
    startAll();
    for (int i = 0; i < o.nodes(); i++) {
      ManagedChannel c = Grpc.newChannelBuilder(net.address(i) + ":" + ports[i],
          InsecureChannelCredentials.create()).build();
      channels.add(c);
      apis.add(DocumentsGrpc.newBlockingStub(c));
    }

    List<Workload> workloads = List.of(new SetWorkload(o.nodes(), acks),
        new CounterWorkload(o.nodes(), acks), new RegisterWorkload(o.nodes(), acks),
        new TextWorkload(o.nodes(), acks));
    AtomicBoolean stop = new AtomicBoolean();
    List<Thread> threads = new ArrayList<>();
    for (Workload w : workloads) {
      for (int i = 0; i < o.nodes(); i++) {
        int node = i;
        Random r = new Random(random.nextLong());
        Thread t = new Thread(() -> {
          Workload.NODE.set(node);
          while (!stop.get()) {
            w.step(node, apis.get(node), r);
            pace();
          }
        }, w.name() + "-n" + i);
        t.setDaemon(true);
        threads.add(t);
      }
    }
    Thread sampler = new Thread(() -> sample(stop), "sampler");
    sampler.setDaemon(true);
    sampler.start();
    threads.forEach(Thread::start);

    // The last phase has no settle: the clients stop at its heal, and the convergence time is
    // measured from that heal (the clients' last calls, at most one deadline, count in it).
    long soakEnd = System.nanoTime() + o.soak().toNanos();
    long phaseNanos = o.fault().plus(o.settle()).toNanos();
    double lastHeal = -1;
    int round = 0;
    boolean done = false;
    while (!done) {
      List<Nemesis> order = new ArrayList<>(phases);
      if (round++ > 0) {
        java.util.Collections.shuffle(order, random);
      }
      for (int k = 0; k < order.size() && !done; k++) {
        boolean last = o.soak().isZero()
            ? k == order.size() - 1
            : System.nanoTime() + 2 * phaseNanos > soakEnd;
        lastHeal = phase(order.get(k), last);
        done = last;
      }
    }

    stop.set(true);
    for (Thread t : threads) {
      t.join(10_000);
    }
    double converged = awaitConvergence(workloads, lastHeal);
    double convergeSeconds = converged < 0 ? -1 : converged - lastHeal;
    timeline.healAndConverge(lastHeal, converged < 0 ? timeline.now() : converged);
    sampler.join(2_000);

    List<Workload.Check> checks = new ArrayList<>();
    Map<String, long[]> counts = new LinkedHashMap<>();
    List<Map<String, String>> docs = converged < 0 ? null : readAll(workloads);
    for (Workload w : workloads) {
      counts.put(w.name(), new long[] {w.acked.get(), w.unknown.get(), w.failed.get()});
      if (docs != null) {
        checks.add(w.check(docs));
      } else {
        checks.add(new Workload.Check(w.name(), 0, List.of("the daemons did not converge within "
            + Math.max(60, o.convergeLimit().toSeconds()) + " s of the last heal")));
      }
    }
    if (convergeSeconds > o.convergeLimit().toSeconds()) {
      findings.add(String.format("converged %.1f s after the last heal: over the limit of %d s",
          convergeSeconds, o.convergeLimit().toSeconds()));
    }
    Path png = o.out().resolve("timeline.png");
    Path text = o.out().resolve("report.txt");
    if (diskVerdict != null && !diskVerdict.resumed()) {
      checks.add(new Workload.Check("disk-full", 0, List.of("n" + diskVerdict.node()
          + " did not accept writes within " + DISK_RESUME_WAIT.toSeconds()
          + " s after space returned (" + diskVerdict.after() + ")")));
    }
    Report report = new Report(counts, checks, convergeSeconds, List.copyOf(skipped),
        List.copyOf(findings), List.copyOf(phasesRun), png, text, net.namespaces(),
        List.copyOf(repairs), diskVerdict);
    timeline.draw(png, String.format("meridian nemesis: %d daemons, seed %d, %s; converged %.1f s"
        + " after the last heal; lost %d", o.nodes(), o.seed(), net.namespaces()
        ? "network namespaces" : "loopback", convergeSeconds, report.lost()));
    Files.writeString(text, render(report, workloads));
    log.info("nemesis report ({}):\n{}", text, Files.readString(text));
    return report;
  }

  /** Each client thread waits this long between operations, so clients do not starve daemons. */
  static final long PACE_MILLIS = 10;

  private static void pace() {
    try {
      Thread.sleep(PACE_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** How long a heal's markers may take to reach every daemon before the run moves on. */
  static final Duration REPAIR_WAIT = Duration.ofSeconds(30);

  /**
   * Runs one phase: the fault, then its heal. Unless {@code last}, writes a marker at every daemon
   * just before the heal, measures how long after the heal every daemon holds every marker that
   * was acknowledged (the phase's repair time), and lets the cluster settle. Returns the timeline
   * time of the heal (when the fault was removed; for a kill, when the restarted daemon was ready).
   */
  private double phase(Nemesis n, boolean last) throws Exception {
    reviveUnexpectedDeaths();
    int number = ++phaseCount;
    double from = timeline.now();
    log.info("phase {} ({}) starts at {}s", number, n.label, String.format("%.1f", from));
    double healedAt;
    String detail = "";
    if (n == Nemesis.MIX) {
      StringBuilder turns = new StringBuilder();
      healedAt = mix(number, last, turns);
      detail = " [" + turns + "]";
    } else {
      int victim = random.nextInt(o.nodes());
      Object state = inject(n, victim);
      Thread.sleep(o.fault().toMillis());
      List<String> marks = last ? List.of() : writeMarks(number);
      heal(n, victim, state);
      // Once heal() returns the fault is gone: partitions removed, SIGCONT sent, or a stopped
      // daemon started again and ready (its start, a second or more, is not counted).
      healedAt = timeline.now();
      detail = " [n" + victim + "]";
      if (!last) {
        awaitRepair(n.label, healedAt, marks);
      }
    }
    timeline.fault(n.label, from, healedAt);
    phasesRun.add(String.format("%s%s %.1f-%.1fs", n.label, detail, from, healedAt));
    if (!last) {
      // The settle counts from the heal: a slow repair or restart shortens it.
      long left = o.settle().toMillis() - (long) ((timeline.now() - healedAt) * 1000);
      Thread.sleep(Math.max(left, 0));
    }
    return healedAt;
  }

  /** The document each phase's markers go into (a set; elements p{phase}-n{node}). */
  static final String MARKS_KEY = "heal-marks";

  /** Adds this phase's marker at every daemon that takes it within 1 s; returns those added. */
  private List<String> writeMarks(int phase) throws InterruptedException {
    List<String> added = java.util.Collections.synchronizedList(new ArrayList<>());
    List<Thread> writers = new ArrayList<>();
    for (int i = 0; i < o.nodes(); i++) {
      int node = i;
      Thread t = new Thread(() -> {
        String mark = "p" + phase + "-n" + node;
        try {
          apis.get(node).withDeadlineAfter(1, TimeUnit.SECONDS).update(
              dev.meridian.peer.proto.UpdateRequest.newBuilder().setKey(MARKS_KEY)
                  .addOperations(Ops.add("s", mark)).build());
          added.add(mark);
        } catch (StatusRuntimeException e) {
          // paused, killed or with a full disk: it has no marker this phase
        }
      }, "mark-n" + i);
      t.start();
      writers.add(t);
    }
    for (Thread t : writers) {
      t.join();
    }
    return List.copyOf(added);
  }

  /** Polls until every daemon holds every one of {@code marks}; records the repair time. */
  private void awaitRepair(String label, double healedAt, List<String> marks)
      throws InterruptedException {
    double seconds = -1;
    while (timeline.now() - healedAt < REPAIR_WAIT.toSeconds()) {
      if (allHold(marks)) {
        seconds = timeline.now() - healedAt;
        break;
      }
      Thread.sleep(50);
    }
    repairs.add(new Repair(label, healedAt, seconds, marks.size()));
    log.info("phase {}: markers {} everywhere {}", label, marks,
        seconds < 0 ? "NOT within " + REPAIR_WAIT.toSeconds() + " s"
            : String.format("%.2f s after the heal", seconds));
  }

  private boolean allHold(List<String> marks) {
    for (DocumentsBlockingStub api : apis) {
      try {
        String json = api.withDeadlineAfter(500, TimeUnit.MILLISECONDS)
            .get(dev.meridian.peer.proto.GetRequest.newBuilder().setKey(MARKS_KEY).build())
            .getJson();
        com.google.gson.JsonElement s = Ops.field(json, "s");
        java.util.Set<String> present = new java.util.HashSet<>();
        if (s != null) {
          s.getAsJsonArray().forEach(e -> present.add(e.getAsString()));
        }
        if (!present.containsAll(marks)) {
          return false;
        }
      } catch (StatusRuntimeException e) {
        return false;
      }
    }
    return true;
  }

  /**
   * Partitions, kills and pauses in three random turns of a third of the fault time each; the
   * last turn's heal is the phase's (markers and repair time as for any phase). Returns its time.
   */
  private double mix(int number, boolean last, StringBuilder turns) throws Exception {
    Nemesis[] choices = {Nemesis.PARTITION_ONE, Nemesis.PARTITION_HALVES, Nemesis.PARTITION_BRIDGE,
        Nemesis.PARTITION_RING, Nemesis.KILL, Nemesis.PAUSE};
    double healedAt = -1;
    for (int turn = 0; turn < 3; turn++) {
      Nemesis n = choices[random.nextInt(choices.length)];
      int victim = random.nextInt(o.nodes());
      turns.append(turn == 0 ? "" : ", ").append(n.label).append(" n").append(victim);
      Object state = inject(n, victim);
      Thread.sleep(o.fault().toMillis() / 3);
      boolean final_ = turn == 2;
      List<String> marks = final_ && !last ? writeMarks(number) : List.of();
      heal(n, victim, state);
      healedAt = timeline.now();
      if (final_ && !last) {
        awaitRepair(Nemesis.MIX.label, healedAt, marks);
      }
    }
    return healedAt;
  }

  /** Starts fault {@code n} on {@code victim}. */
  Object inject(Nemesis n, int victim) throws Exception {
    switch (n) {
      case PARTITION_ONE, PARTITION_HALVES, PARTITION_BRIDGE, PARTITION_RING ->
          net.partition(n.reach(o.nodes(), victim));
      case KILL -> {
        expectedDown[victim] = true;
        nodes.get(victim).kill();
      }
      case PAUSE -> nodes.get(victim).pause();
      case CLOCK_SKEW -> {
        // libfaketime at start only: the daemon is stopped (SIGTERM) and started skewed.
        expectedDown[victim] = true;
        nodes.get(victim).stop();
        nodes.get(victim).start(SKEW_SECONDS);
        expectedDown[victim] = false;
        channels.get(victim).resetConnectBackoff();
      }
      case DISK_FULL -> {
        return fillDisk();
      }
      case MIX -> throw new IllegalArgumentException("mix is made of the others");
    }
    return null;
  }

  /** Ends fault {@code n} on {@code victim}. */
  void heal(Nemesis n, int victim, Object state) throws Exception {
    switch (n) {
      case PARTITION_ONE, PARTITION_HALVES, PARTITION_BRIDGE, PARTITION_RING -> net.heal();
      case KILL -> restart(victim);
      case PAUSE -> nodes.get(victim).resume();
      case CLOCK_SKEW -> {
        expectedDown[victim] = true;
        nodes.get(victim).stop();
        restart(victim);
      }
      case DISK_FULL -> freeDisk((long[]) state);
      case MIX -> throw new IllegalArgumentException("mix is made of the others");
    }
  }

  private void restart(int i) throws IOException {
    nodes.get(i).start();
    expectedDown[i] = false;
    channels.get(i).resetConnectBackoff();
  }

  /** Fills the tmpfs; returns {acks before, errors before} at the disk node's clients. */
  private long[] fillDisk() throws IOException {
    long written = 0;
    byte[] chunk = new byte[1 << 20];
    try (OutputStream out = Files.newOutputStream(diskFiller)) {
      while (true) {
        out.write(chunk);
        written += chunk.length;
      }
    } catch (IOException full) {
      // the disk is full: what this nemesis wants
    }
    try (OutputStream out = Files.newOutputStream(diskFiller, StandardOpenOption.APPEND)) {
      for (int i = 0; i < 4096; i++) {
        out.write(chunk, 0, 256);
      }
    } catch (IOException full) {
      // the last bytes
    }
    log.info("disk of n{} full ({} MiB of filler)", diskNode, written >> 20);
    return new long[] {written};
  }

  /** How long after space returns the disk-full daemon has to accept a write without a restart. */
  static final Duration DISK_RESUME_WAIT = Duration.ofSeconds(10);

  /**
   * Frees the tmpfs, then finds out whether the daemon accepts writes again without a restart
   * (probing every 200 ms for {@link #DISK_RESUME_WAIT}); records the verdict. If it does not, the
   * harness restarts it, so the run goes on.
   */
  private void freeDisk(long[] state) throws Exception {
    Node n = nodes.get(diskNode);
    boolean aliveDuring = n.alive();
    String during = probeWrite(diskNode);
    findings.add("disk-full at n" + diskNode + " (" + (state[0] >> 20) + " MiB filler): daemon "
        + (aliveDuring ? "stayed up" : "DIED (exit code " + n.exitCode() + ")")
        + "; a write during the full disk: " + during);
    Files.deleteIfExists(diskFiller);
    if (!aliveDuring) {
      diskVerdict = new DiskVerdict(diskNode, false, -1, during, "the daemon had died");
      restart(diskNode);
      findings.add("disk-full: n" + diskNode + " restarted by the harness after it died");
      return;
    }
    long start = System.nanoTime();
    String last = "";
    while (System.nanoTime() - start < DISK_RESUME_WAIT.toNanos()) {
      last = probeWrite(diskNode);
      if (last.equals("acknowledged")) {
        double seconds = (System.nanoTime() - start) / 1e9;
        diskVerdict = new DiskVerdict(diskNode, true, seconds, during, last);
        return;
      }
      Thread.sleep(200);
    }
    diskVerdict = new DiskVerdict(diskNode, false, -1, during, last);
    n.stop();
    restart(diskNode);
  }

  private String probeWrite(int node) {
    try {
      apis.get(node).withDeadlineAfter(2, TimeUnit.SECONDS).update(
          dev.meridian.peer.proto.UpdateRequest.newBuilder().setKey("disk-probe")
              .addOperations(Ops.increment("c")).build());
      return "acknowledged";
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode() + ": " + e.getStatus().getDescription();
    }
  }

  /** A daemon that ended without a kill of ours is a finding; it is restarted so the run goes on. */
  private void reviveUnexpectedDeaths() throws IOException {
    for (Node n : nodes) {
      if (!expectedDown[n.index] && !n.alive()) {
        findings.add("n" + n.index + " ended by itself (exit code " + n.exitCode() + ") at "
            + String.format("%.1fs", timeline.now()) + "; restarted. Log tail:\n" + n.logTail());
        restart(n.index);
      }
    }
  }

  private void startAll() throws Exception {
    List<Thread> starters = new ArrayList<>();
    List<Exception> failures = new ArrayList<>();
    for (Node n : nodes) {
      Thread t = new Thread(() -> {
        try {
          n.start();
        } catch (IOException e) {
          synchronized (failures) {
            failures.add(e);
          }
        }
      });
      t.start();
      starters.add(t);
    }
    for (Thread t : starters) {
      t.join();
    }
    if (!failures.isEmpty()) {
      throw failures.get(0);
    }
  }

  private void sample(AtomicBoolean stop) {
    long lastAcks = 0;
    long last = System.nanoTime();
    while (true) {
      long[] lag = new long[o.nodes()];
      for (int i = 0; i < o.nodes(); i++) {
        try {
          StatusResponse s = apis.get(i).withDeadlineAfter(300, TimeUnit.MILLISECONDS)
              .status(StatusRequest.getDefaultInstance());
          long sum = 0;
          for (PeerStatus p : s.getPeersList()) {
            sum += Math.max(0, p.getLag());
          }
          lag[i] = sum;
        } catch (StatusRuntimeException e) {
          lag[i] = -1;
        }
      }
      long now = System.nanoTime();
      long a = acks.get();
      timeline.sample((a - lastAcks) / ((now - last) / 1e9), lag);
      lastAcks = a;
      last = now;
      if (stop.get() && timeline.now() > 0 && convergedFlag) {
        return;
      }
      try {
        Thread.sleep(500);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private volatile boolean convergedFlag;

  /** Polls until every daemon holds the same documents; returns the timeline time, or -1. */
  private double awaitConvergence(List<Workload> workloads, double lastHeal) throws InterruptedException {
    double limit = lastHeal + Math.max(60, o.convergeLimit().toSeconds());
    try {
      while (timeline.now() < limit) {
        try {
          List<Map<String, String>> docs = readAll(workloads);
          if (docs.stream().distinct().count() == 1) {
            return timeline.now();
          }
        } catch (StatusRuntimeException unreachable) {
          // a daemon still restarting or reconnecting
        }
        Thread.sleep(100);
      }
      return -1;
    } finally {
      Thread.sleep(600);
      convergedFlag = true;
    }
  }

  private List<Map<String, String>> readAll(List<Workload> workloads) {
    List<Map<String, String>> docs = new ArrayList<>();
    for (DocumentsBlockingStub api : apis) {
      Map<String, String> m = new HashMap<>();
      for (Workload w : workloads) {
        for (String key : w.keys()) {
          m.put(key, Ops.get(api, key));
        }
      }
      docs.add(m);
    }
    return docs;
  }

  private String render(Report r, List<Workload> workloads) {
    StringBuilder b = new StringBuilder();
    b.append(String.format("daemons %d (%s), seed %d, fault %d s, settle %d s%s%n", o.nodes(),
        r.namespaces() ? "network namespaces 10.77.0.0/24" : "loopback 127.0.0.x",
        o.seed(), o.fault().toSeconds(), o.settle().toSeconds(),
        o.soak().isZero() ? "" : ", soak " + o.soak().toMinutes() + " min"));
    b.append("phases: ").append(String.join(", ", r.phasesRun())).append('\n');
    b.append(String.format("%-9s %9s %9s %9s %6s  %s%n", "workload", "acked", "unknown", "failed",
        "lost", "check"));
    for (Workload.Check c : r.checks()) {
      long[] n = r.counts().getOrDefault(c.workload(), new long[3]); // none: no client ran it
      b.append(String.format("%-9s %9d %9d %9d %6d  %s%n", c.workload(), n[0], n[1], n[2],
          c.lost(), c.ok() ? "ok" : "FAILED"));
      for (String v : c.violations()) {
        b.append("    ").append(v).append('\n');
      }
    }
    b.append(String.format("converged %.2f s after the last heal (limit %d s; clients stopped at"
        + " that heal)%n", r.convergeSeconds(), o.convergeLimit().toSeconds()));
    b.append("repair after each heal (markers written at every daemon just before the heal, until"
        + " every daemon holds them):\n");
    for (Repair p : r.repairs()) {
      b.append(String.format("  %-17s healed %6.1fs  %s  (%d markers)%n", p.phase(), p.healedAt(),
          p.seconds() < 0 ? "NOT within " + REPAIR_WAIT.toSeconds() + " s"
              : String.format("%5.2f s", p.seconds()), p.marks()));
    }
    b.append(String.format("slowest repair (disk-full excluded): %s%n", r.slowestRepair() < 0
        ? "one never completed" : String.format("%.2f s", r.slowestRepair())));
    DiskVerdict d = r.disk();
    if (d == null) {
      b.append("disk-full: not run\n");
    } else if (d.resumed()) {
      b.append(String.format("disk-full: WRITES RESUMED at n%d %.1f s after space returned, without"
          + " a restart%n", d.node(), d.seconds()));
    } else {
      b.append(String.format("disk-full: WRITES DID NOT RESUME at n%d within %d s after space"
          + " returned (last answer: %s); the harness restarted it, and the run fails%n",
          d.node(), DISK_RESUME_WAIT.toSeconds(), d.after()));
    }
    b.append("skipped nemeses: ").append(r.skipped().isEmpty() ? "none" : r.skipped()).append('\n');
    b.append("findings:\n");
    for (String f : r.findings()) {
      b.append("  - ").append(f).append('\n');
    }
    b.append("errors seen by clients (node, status, message: count):\n");
    Map<String, Long> errors = new java.util.TreeMap<>();
    for (Workload w : workloads) {
      w.errors.forEach((k, v) -> errors.merge(k, v, Long::sum));
    }
    errors.forEach((k, v) -> b.append("  ").append(k).append(": ").append(v).append('\n'));
    b.append("timeline: ").append(r.png()).append('\n');
    return b.toString();
  }

  private boolean tornDown;

  private synchronized void teardown(Path runDir) {
    if (tornDown) {
      return;
    }
    tornDown = true;
    for (ManagedChannel c : channels) {
      c.shutdownNow();
    }
    for (Node n : nodes) {
      try {
        int code = n.stop();
        if (code != 143 && code != 0) {
          log.warn("n{} exited with {} on SIGTERM", n.index, code);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    try {
      net.dumpRules(runDir.resolve("nft-at-end.txt"));
    } catch (IOException e) {
      log.warn("could not save the nft rules: {}", e.getMessage());
    }
    net.close();
    if (diskMount != null) {
      Sh.Result r = Sh.run("umount", diskMount.toString());
      if (!r.ok()) {
        Sh.run("umount", "-l", diskMount.toString());
      }
    }
  }

  private static void unmountLeftover(Path mount) throws IOException {
    String mounts = Files.readString(Path.of("/proc/mounts"));
    if (mounts.contains(" " + mount.toAbsolutePath() + " ")) {
      Sh.run("umount", "-l", mount.toString());
      log.warn("unmounted {} left by an earlier run", mount);
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  private static int freePort(String address) throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(address))) {
      return s.getLocalPort();
    }
  }
}
