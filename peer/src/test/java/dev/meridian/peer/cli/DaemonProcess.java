package dev.meridian.peer.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A {@code meridian peer} daemon in a process of its own, started from this JVM's class path, on
 * 127.0.0.1, without a metrics endpoint, logging at WARN into a file. For multi-process tests and
 * the benchmarks (this module's test jar).
 */
public final class DaemonProcess {
  private final Process process;
  private final Path log;

  private DaemonProcess(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  /**
   * Starts a daemon on {@code 127.0.0.1:port} dialling {@code peerPorts}, and waits (up to a
   * minute) for its ready line.
   *
   * @throws IllegalStateException with the daemon's log if it does not start
   */
  public static DaemonProcess start(Path dataDir, String site, int port, List<Integer> peerPorts,
      Path log, List<String> jvmOptions) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmOptions);
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(), "peer",
        "--data-dir", dataDir.toString(), "--site", site, "--listen", "127.0.0.1:" + port,
        "--metrics", "none"));
    for (int p : peerPorts) {
      cmd.add("--peer");
      cmd.add("127.0.0.1:" + p);
    }
    ProcessBuilder pb = new ProcessBuilder(cmd)
        .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.environment().put("MERIDIAN_LOG_LEVEL", "WARN");
    Process p = pb.start();
    DaemonProcess d = new DaemonProcess(p, log);
    BufferedReader out = new BufferedReader(
        new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    String line;
    while ((line = out.readLine()) != null && System.nanoTime() < deadline) {
      if (line.startsWith("meridian peer ready:")
          && line.contains("listen=127.0.0.1:" + port + " ")) {
        Thread drain = new Thread(() -> {
          try {
            while (out.readLine() != null) {
              // keep the pipe from filling up
            }
          } catch (IOException ended) {
            // the process ended
          }
        }, "drain-" + site);
        drain.setDaemon(true);
        drain.start();
        return d;
      }
    }
    p.destroyForcibly();
    throw new IllegalStateException("daemon " + site + " did not start:\n" + d.log());
  }

  /** A loopback port that was free a moment ago. */
  public static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** The process. */
  public Process process() {
    return process;
  }

  /** The daemon's log so far (standard error). */
  public String log() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }
}
