package dev.meridian.nemesis;

import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
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
 *
 * <p>The parts: {@link Daemons} (the processes and a client of each), {@link Faults} (each
 * nemesis on and off, with {@link DiskFull}), {@link Repairs} (each heal's repair time), {@link
 * Timeline} and {@link ReportText} (what the run writes).
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

  /** What to run. */
  record Options(int nodes, Duration fault, Duration settle, List<Nemesis> phases,
      Duration soak, long seed, Path out, String daemonClassPath, boolean ci,
      Duration convergeLimit) {}

  /** What a run found. */
  record Report(Map<String, long[]> counts, List<Workload.Check> checks, double convergeSeconds,
      List<String> skipped, List<String> findings, List<String> phasesRun, Path png, Path text,
      boolean namespaces, List<Repairs.Repair> repairs, DiskFull.Verdict disk) {
    long lost() {
      return checks.stream().mapToLong(Workload.Check::lost).sum();
    }

    boolean ok() {
      return checks.stream().allMatch(Workload.Check::ok) && convergeSeconds >= 0;
    }

    /** The slowest repair after a heal, or -1 if one never completed (disk-full excluded). */
    double slowestRepair() {
      double worst = 0;
      for (Repairs.Repair r : repairs) {
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
  private int phaseCount;
  private final Random random;
  private Net net;
  /** Set once the daemons exist; read by the teardown, which a shutdown hook may run. */
  private volatile Daemons daemons;
  private volatile DiskFull disk;
  private Faults faults;
  private Repairs repairs;

  private NemesisRun(Options o) {
    this.o = o;
    this.random = new Random(o.seed());
  }

  /** Runs the suite described by {@code o}. */
  @SuppressWarnings("try") // the lock is held for the block's duration, never referenced in it
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
    DiskFull.unmountLeftover(runDir.resolve("disk"));
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

  /** The phases that can run here; each one that cannot is skipped (or fails the run in CI). */
  private List<Nemesis> runnablePhases() {
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
    return phases;
  }

  /** Starts the daemons, a full mesh, each on its own data directory (the last on the tmpfs). */
  private void startDaemons(Path runDir) throws Exception {
    int[] ports = new int[o.nodes()];
    for (int i = 0; i < o.nodes(); i++) {
      ports[i] = net.namespaces() ? Node.PORT : freePort(net.address(i));
    }
    List<Node> nodes = new ArrayList<>();
    for (int i = 0; i < o.nodes(); i++) {
      List<String> peers = new ArrayList<>();
      for (int j = 0; j < o.nodes(); j++) {
        if (j != i) {
          peers.add(net.address(j) + ":" + ports[j]);
        }
      }
      Path data = disk != null && i == disk.node ? disk.dataDir()
          : runDir.resolve("n" + i + "-data");
      nodes.add(new Node(i, net, ports[i], peers, data, runDir, o.daemonClassPath()));
    }
    daemons = new Daemons(nodes);
    daemons.startAll(net, ports);
    faults = new Faults(net, daemons, disk, findings);
    repairs = new Repairs(daemons, timeline);
  }

  /** One client thread per workload and daemon, each pacing its operations until {@code stop}. */
  private List<Thread> clients(List<Workload> workloads, AtomicBoolean stop) {
    List<Thread> threads = new ArrayList<>();
    for (Workload w : workloads) {
      for (int i = 0; i < o.nodes(); i++) {
        int node = i;
        Random r = new Random(random.nextLong());
        Thread t = new Thread(() -> {
          Workload.NODE.set(node);
          while (!stop.get()) {
            w.step(node, daemons.api(node), r);
            pace();
          }
        }, w.name() + "-n" + i);
        t.setDaemon(true);
        threads.add(t);
      }
    }
    return threads;
  }

  private Report runOnNetwork(Path runDir) throws Exception {
    List<Nemesis> phases = runnablePhases();
    if (phases.contains(Nemesis.DISK_FULL)) {
      disk = DiskFull.mount(runDir, o.nodes() - 1);
    }
    startDaemons(runDir);

    List<Workload> workloads = List.of(new SetWorkload(o.nodes(), acks),
        new CounterWorkload(o.nodes(), acks), new RegisterWorkload(o.nodes(), acks),
        new TextWorkload(o.nodes(), acks));
    AtomicBoolean stop = new AtomicBoolean();
    List<Thread> threads = clients(workloads, stop);
    Sampler sampling = new Sampler(daemons, acks, timeline, stop);
    Thread sampler = new Thread(sampling, "sampler");
    sampler.setDaemon(true);
    sampler.start();
    threads.forEach(Thread::start);

    double lastHeal = runPhases(phases);

    stop.set(true);
    for (Thread t : threads) {
      t.join(10_000);
    }
    double converged = awaitConvergence(workloads, lastHeal, sampling);
    double convergeSeconds = converged < 0 ? -1 : converged - lastHeal;
    timeline.healAndConverge(lastHeal, converged < 0 ? timeline.now() : converged);
    sampler.join(2_000);
    return report(workloads, converged < 0 ? null : daemons.readAll(workloads), convergeSeconds);
  }

  /**
   * Runs the phases (in the given order, then shuffled rounds while a soak lasts) and returns the
   * timeline time of the last heal. The last phase has no settle: the clients stop at its heal,
   * and the convergence time is measured from that heal (the clients' last calls, at most one
   * deadline, count in it).
   */
  private double runPhases(List<Nemesis> phases) throws Exception {
    long soakEnd = System.nanoTime() + o.soak().toNanos();
    long phaseNanos = o.fault().plus(o.settle()).toNanos();
    double lastHeal = -1;
    int round = 0;
    boolean done = false;
    while (!done) {
      List<Nemesis> order = new ArrayList<>(phases);
      if (round++ > 0) {
        Collections.shuffle(order, random);
      }
      for (int k = 0; k < order.size() && !done; k++) {
        boolean last = o.soak().isZero()
            ? k == order.size() - 1
            : System.nanoTime() + 2 * phaseNanos > soakEnd;
        lastHeal = phase(order.get(k), last);
        done = last;
      }
    }
    return lastHeal;
  }

  /** Checks the converged documents ({@code docs}, null if none), draws and writes the report. */
  private Report report(List<Workload> workloads, List<Map<String, String>> docs,
      double convergeSeconds) throws IOException {
    List<Workload.Check> checks = new ArrayList<>();
    Map<String, long[]> counts = new LinkedHashMap<>();
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
    DiskFull.Verdict diskVerdict = disk == null ? null : disk.verdict();
    if (diskVerdict != null && !diskVerdict.resumed()) {
      checks.add(new Workload.Check("disk-full", 0, List.of("n" + diskVerdict.node()
          + " did not accept writes within " + DiskFull.RESUME_WAIT.toSeconds()
          + " s after space returned (" + diskVerdict.after() + ")")));
    }
    Report report = new Report(counts, checks, convergeSeconds, List.copyOf(skipped),
        List.copyOf(findings), List.copyOf(phasesRun), png, text, net.namespaces(),
        repairs.all(), diskVerdict);
    timeline.draw(png, String.format("meridian nemesis: %d daemons, seed %d, %s; converged %.1f s"
        + " after the last heal; lost %d", o.nodes(), o.seed(), net.namespaces()
        ? "network namespaces" : "loopback", convergeSeconds, report.lost()));
    Files.writeString(text, ReportText.render(o, report, workloads));
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

  /**
   * Runs one phase: the fault, then its heal. Unless {@code last}, writes a marker at every daemon
   * just before the heal, measures how long after the heal every daemon holds every marker that
   * was acknowledged (the phase's repair time), and lets the cluster settle. Returns the timeline
   * time of the heal (when the fault was removed; for a kill, when the restarted daemon was ready).
   */
  private double phase(Nemesis n, boolean last) throws Exception {
    daemons.reviveUnexpectedDeaths(findings, timeline.now());
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
      Object state = faults.inject(n, victim);
      Thread.sleep(o.fault().toMillis());
      List<String> marks = last ? List.of() : repairs.writeMarks(number);
      faults.heal(n, victim, state);
      // Once heal() returns the fault is gone: partitions removed, SIGCONT sent, or a stopped
      // daemon started again and ready (its start, a second or more, is not counted).
      healedAt = timeline.now();
      detail = " [n" + victim + "]";
      if (!last) {
        repairs.await(n.label, healedAt, marks);
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
      Object state = faults.inject(n, victim);
      Thread.sleep(o.fault().toMillis() / 3);
      boolean finalTurn = turn == 2;
      List<String> marks = finalTurn && !last ? repairs.writeMarks(number) : List.of();
      faults.heal(n, victim, state);
      healedAt = timeline.now();
      if (finalTurn && !last) {
        repairs.await(Nemesis.MIX.label, healedAt, marks);
      }
    }
    return healedAt;
  }

  /** Polls until every daemon holds the same documents; returns the timeline time, or -1. */
  private double awaitConvergence(List<Workload> workloads, double lastHeal, Sampler sampling)
      throws InterruptedException {
    double limit = lastHeal + Math.max(60, o.convergeLimit().toSeconds());
    try {
      while (timeline.now() < limit) {
        try {
          List<Map<String, String>> docs = daemons.readAll(workloads);
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
      sampling.converged();
    }
  }

  private boolean tornDown;

  private synchronized void teardown(Path runDir) {
    if (tornDown) {
      return;
    }
    tornDown = true;
    if (daemons != null) {
      daemons.stopAll();
    }
    try {
      net.dumpRules(runDir.resolve("nft-at-end.txt"));
    } catch (IOException e) {
      log.warn("could not save the nft rules: {}", e.getMessage());
    }
    net.close();
    if (disk != null) {
      disk.unmount();
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
