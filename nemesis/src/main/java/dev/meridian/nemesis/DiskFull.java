package dev.meridian.nemesis;

import dev.meridian.peer.proto.UpdateRequest;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The disk-full nemesis: the last daemon's data directory lives on a tmpfs of {@value #SIZE},
 * which the fault fills to the last byte and the heal frees. The heal then finds out whether the
 * daemon takes writes again without a restart, and records the verdict; if it does not, the
 * harness restarts it so the run goes on.
 */
final class DiskFull {
  private static final Logger log = LoggerFactory.getLogger(DiskFull.class);
  static final String SIZE = "512m";

  /** How long after space returns the daemon has to accept a write without a restart. */
  static final Duration RESUME_WAIT = Duration.ofSeconds(10);

  /**
   * Whether the daemon took writes again after space returned, without a restart ({@code
   * resumed}), and after how many seconds (-1 if not).
   */
  record Verdict(int node, boolean resumed, double seconds, String duringFull, String after) {}

  /** The daemon whose data directory is on the tmpfs. */
  final int node;
  private final Path mount;
  private final Path filler;
  private Verdict verdict;

  private DiskFull(int node, Path mount) {
    this.node = node;
    this.mount = mount;
    this.filler = mount.resolve("filler");
  }

  /** Mounts the tmpfs at {@code runDir/disk} for daemon {@code node}'s data directory. */
  static DiskFull mount(Path runDir, int node) throws IOException {
    Path mount = runDir.resolve("disk");
    Files.createDirectories(mount);
    Sh.check("mount", "-t", "tmpfs", "-o", "size=" + SIZE, "meridian-nemesis", mount.toString());
    return new DiskFull(node, mount);
  }

  /** Unmounts a tmpfs that a crashed run left at {@code mount}. */
  static void unmountLeftover(Path mount) throws IOException {
    String mounts = Files.readString(Path.of("/proc/mounts"));
    if (mounts.contains(" " + mount.toAbsolutePath() + " ")) {
      Sh.run("umount", "-l", mount.toString());
      log.warn("unmounted {} left by an earlier run", mount);
    }
  }

  /** The daemon's data directory, on the tmpfs. */
  Path dataDir() {
    return mount.resolve("data");
  }

  /** The verdict of the last heal; null before one. */
  Verdict verdict() {
    return verdict;
  }

  /** Fills the tmpfs; returns {bytes of filler written}. */
  long[] fill() throws IOException {
    long written = 0;
    byte[] chunk = new byte[1 << 20];
    try (OutputStream out = Files.newOutputStream(filler)) {
      while (true) {
        out.write(chunk);
        written += chunk.length;
      }
    } catch (IOException full) {
      // the disk is full: what this nemesis wants
    }
    try (OutputStream out = Files.newOutputStream(filler, StandardOpenOption.APPEND)) {
      for (int i = 0; i < 4096; i++) {
        out.write(chunk, 0, 256);
      }
    } catch (IOException full) {
      // the last bytes
    }
    log.info("disk of n{} full ({} MiB of filler)", node, written >> 20);
    return new long[] {written};
  }

  /**
   * Frees the tmpfs, then probes a write every 200 ms for {@link #RESUME_WAIT} and records the
   * verdict; restarts the daemon if it died or does not take writes.
   */
  void free(long[] state, Daemons daemons, List<String> findings) throws Exception {
    Node n = daemons.node(node);
    boolean aliveDuring = n.alive();
    String during = probeWrite(daemons);
    findings.add("disk-full at n" + node + " (" + (state[0] >> 20) + " MiB filler): daemon "
        + (aliveDuring ? "stayed up" : "DIED (exit code " + n.exitCode() + ")")
        + "; a write during the full disk: " + during);
    Files.deleteIfExists(filler);
    if (!aliveDuring) {
      verdict = new Verdict(node, false, -1, during, "the daemon had died");
      daemons.restart(node);
      findings.add("disk-full: n" + node + " restarted by the harness after it died");
      return;
    }
    long start = System.nanoTime();
    String last = "";
    while (System.nanoTime() - start < RESUME_WAIT.toNanos()) {
      last = probeWrite(daemons);
      if (last.equals("acknowledged")) {
        double seconds = (System.nanoTime() - start) / 1e9;
        verdict = new Verdict(node, true, seconds, during, last);
        return;
      }
      Thread.sleep(200);
    }
    verdict = new Verdict(node, false, -1, during, last);
    n.stop();
    daemons.restart(node);
  }

  private String probeWrite(Daemons daemons) {
    try {
      daemons.api(node).withDeadlineAfter(2, TimeUnit.SECONDS).update(
          UpdateRequest.newBuilder().setKey("disk-probe")
              .addOperations(Ops.increment("c")).build());
      return "acknowledged";
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode() + ": " + e.getStatus().getDescription();
    }
  }

  /** Unmounts the tmpfs (lazily if it is busy). */
  void unmount() {
    Sh.Result r = Sh.run("umount", mount.toString());
    if (!r.ok()) {
      Sh.run("umount", "-l", mount.toString());
    }
  }
}
