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
 * given class path, with its data directory, its log file and, where libfaketime is installed, a
 * clock offset file that libfaketime rereads every second (so the clock can be skewed while the
 * daemon runs, without a hook in the daemon).
 */
final class Node {
  static final Path LIBFAKETIME = Path.of("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1");
  static final int PORT = 7400;

  final int index;
  final Path dataDir;
  private final Path log;
  private final Path clockFile;
  private final List<String> command;
  private Process process;
  private boolean paused;
  private int starts;

  Node(int index, Net net, int port, List<String> peerAddresses, Path dataDir, Path runDir,
      String daemonClassPath) {
    this.index = index;
    this.dataDir = dataDir;
    this.log = runDir.resolve("n" + index + ".log");
    this.clockFile = runDir.resolve("n" + index + ".clock");
    List<String> cmd = new ArrayList<>(net.exec(index));
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-cp", daemonClassPath, "dev.meridian.peer.cli.Main", "peer",
        "--data-dir", dataDir.toString(), "--site", "n" + index,
        "--listen", net.address(index) + ":" + port, "--metrics", "none"));
    for (String p : peerAddresses) {
      cmd.add("--peer");
      cmd.add(p);
    }
    this.command = List.copyOf(cmd);
  }

  /** True if libfaketime is installed, so {@link #skewClock} works. */
  static boolean canSkew() {
    return Files.isRegularFile(LIBFAKETIME);
  }

  /** Starts the daemon and waits (up to 60 s) for its ready line. */
  synchronized void start() throws IOException {
    if (!Files.exists(clockFile)) {
      Files.writeString(clockFile, "+0\n");
    }
    ProcessBuilder pb = new ProcessBuilder(command)
        .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.environment().put("MERIDIAN_LOG_LEVEL", "WARN");
    if (canSkew()) {
      pb.environment().put("LD_PRELOAD", LIBFAKETIME.toString());
      pb.environment().put("FAKETIME_TIMESTAMP_FILE", clockFile.toString());
      pb.environment().put("FAKETIME_CACHE_DURATION", "1");
      pb.environment().put("FAKETIME_DONT_FAKE_MONOTONIC", "1");
    }
    Files.writeString(log, "=== start " + (++starts) + " at " + java.time.Instant.now() + "\n",
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

  /** Sets the daemon's wall clock {@code seconds} ahead of the machine's (0 to undo). */
  void skewClock(long seconds) throws IOException {
    Files.writeString(clockFile, (seconds >= 0 ? "+" : "") + seconds + "\n");
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
