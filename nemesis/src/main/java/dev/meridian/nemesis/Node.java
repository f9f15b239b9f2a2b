package dev.meridian.nemesis;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One {@code meridian peer} daemon: a JVM process started (inside its namespace, if any) from a
 * given class path, with its data directory and its log file; optionally with libfaketime preloaded
 * and a fixed clock offset (a clock skew without a hook in the daemon).
 */
final class Node {
  static final Path LIBFAKETIME = Path.of("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1");
  static final int PORT = 7400;

  final int index;
  final Path dataDir;
  private final Path log;
  private final List<String> command;
  private Process process;
  private boolean paused;
  private int starts;

  Node(int index, Net net, int port, List<String> peerAddresses, Path dataDir, Path runDir,
      String daemonClassPath) {
    this.index = index;
    this.dataDir = dataDir;
    this.log = runDir.resolve("n" + index + ".log");
    List<String> cmd = new ArrayList<>(net.exec(index));
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-cp", daemonClassPath, "dev.meridian.peer.cli.Main", "peer",
        "--data-dir", dataDir.toString(), "--site", "n" + index,
        "--listen", net.address(index) + ":" + port, "--metrics", "none",
        // Namespaced daemons listen on a private test network, in plaintext.
        "--insecure-plaintext", "--cluster", "nemesis"));
    for (String p : peerAddresses) {
      cmd.add("--peer");
      cmd.add(p);
    }
    this.command = List.copyOf(cmd);
  }

  /** True if libfaketime is installed, so {@link #start(long)} can skew the clock. */
  static boolean canSkew() {
    return Files.isRegularFile(LIBFAKETIME);
  }

  /** Starts the daemon and waits (up to 60 s) for its ready line. */
  synchronized void start() throws IOException {
    start(0);
  }

  /**
   * Starts the daemon with its wall clock {@code skewSeconds} ahead (libfaketime preloaded; 0
   * starts it without libfaketime, which slows a JVM's start about tenfold here).
   */
  synchronized void start(long skewSeconds) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(command)
        .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.environment().put("MERIDIAN_LOG_LEVEL",
        System.getProperty("meridian.nemesis.daemon.log", "WARN"));
    if (skewSeconds != 0) {
      pb.environment().put("LD_PRELOAD", LIBFAKETIME.toString());
      pb.environment().put("FAKETIME", (skewSeconds > 0 ? "+" : "") + skewSeconds);
      pb.environment().put("FAKETIME_DONT_FAKE_MONOTONIC", "1");
    }
    starts++;
    Files.writeString(log, "=== start " + starts + " at " + java.time.Instant.now() + "\n",
        java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
    Process p = pb.start();
    BufferedReader out = new BufferedReader(
        new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    String line;
    while (System.nanoTime() < deadline && (line = out.readLine()) != null) {
      if (line.startsWith("meridian peer ready:")) {
        Thread drain = new Thread(() -> {
          try {
            while (out.readLine() != null) {
              // keeps the pipe from filling up
            }
          } catch (IOException ended) {
            // the process ended
          }
        }, "drain-n" + index);
        drain.setDaemon(true);
        drain.start();
        process = p;
        paused = false;
        return;
      }
    }
    p.destroyForcibly();
    throw new IOException("daemon n" + index + " did not start:\n" + logTail());
  }

  /** SIGKILL, and waits for the process to end. */
  synchronized void kill() throws InterruptedException {
    if (process != null) {
      process.destroyForcibly();
      process.waitFor(20, TimeUnit.SECONDS);
    }
    paused = false;
  }

  /** SIGSTOP. */
  synchronized void pause() {
    if (process != null && process.isAlive()) {
      Sh.check("kill", "-STOP", Long.toString(process.pid()));
      paused = true;
    }
  }

  /** SIGCONT. */
  synchronized void resume() {
    if (process != null && paused) {
      Sh.run("kill", "-CONT", Long.toString(process.pid()));
      paused = false;
    }
  }

  synchronized boolean alive() {
    return process != null && process.isAlive();
  }

  /** The exit code if the process ended, else -1. */
  synchronized int exitCode() {
    return process == null || process.isAlive() ? -1 : process.exitValue();
  }

  /** SIGTERM then, after 20 s, SIGKILL. Returns the exit code. */
  synchronized int stop() throws InterruptedException {
    if (process == null) {
      return -1;
    }
    resume();
    process.destroy();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
    return process.exitValue();
  }

  /** The last 4,000 characters of the daemon's log. */
  String logTail() {
    try {
      String s = Files.readString(log);
      return s.length() > 4000 ? s.substring(s.length() - 4000) : s;
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }
}
