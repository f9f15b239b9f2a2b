package dev.meridian.persistence;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A powerlossfs mount for tests: a FUSE file system over a backing directory that keeps every
 * write not yet fsynced in memory and drops it on a simulated power cut, and that fails fsyncs
 * and writes on command. The file system is {@code src/test/native/powerlossfs.c}, compiled on
 * first use (gcc and libfuse3); its durability model and control protocol are in
 * {@code src/test/native/README.md}. In short: a file's bytes and size are durable after its
 * fsync or fdatasync (an msync of a mapping is one); a name created, renamed or removed is
 * durable after an fsync of its directory; directories themselves are created and removed
 * durably at once.
 *
 * <p>A power cut is {@link #powerCut(Process...)}: the file system freezes (from that instant
 * every change and every fsync fails with EIO and changes nothing), the given processes are
 * killed, the file system is unmounted (the kernel's page cache goes with it) and mounted again
 * on the backing directory, which holds exactly what a disk would hold after the power loss.
 *
 * <p>Every file the test or its children hold open on the mount must be closed (or its process
 * killed) before {@link #powerCut}, {@link #remount()} or {@link #close()}.
 *
 * <p>Needs /dev/fuse, root (or fusermount3), gcc, pkg-config and libfuse3-dev: call {@link
 * #requireAvailable()} first. Not thread-safe: one test thread drives it.
 */
final class PowerLossFs implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PowerLossFs.class);
  private static final long START_TIMEOUT_SECONDS = 20;
  private static final long EXIT_TIMEOUT_SECONDS = 30;
  private static Path binary;
  /** Running daemons; a shutdown hook stops them (SIGTERM: they unmount) if a test leaves one. */
  private static final java.util.Set<Process> RUNNING = java.util.concurrent.ConcurrentHashMap
      .newKeySet();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> RUNNING.forEach(Process::destroy),
        "powerlossfs-stop"));
  }

  private final Path backing;
  private final Path mountPoint;
  private final Path control;
  private Process daemon;
  private SocketChannel channel;
  private BufferedReader replies;
  private int cuts;

  private PowerLossFs(Path backing, Path mountPoint, Path control) {
    this.backing = backing;
    this.mountPoint = mountPoint;
    this.control = control;
  }

  /**
   * Makes sure powerlossfs can run here. Under {@code CI=true} a missing piece fails the test;
   * elsewhere the test is skipped, with the reason logged as a warning.
   */
  static void requireAvailable() {
    String missing = missing();
    if (missing == null) {
      return;
    }
    String reason = "powerlossfs cannot run: " + missing
        + " (install: apt-get install fuse3 libfuse3-dev gcc pkg-config; needs /dev/fuse and root)";
    if ("true".equals(System.getenv("CI"))) {
      Assertions.fail(reason);
    }
    LOG.warn("SKIPPING a power-loss test: {}", reason);
    Assumptions.abort(reason);
  }

  private static String missing() {
    if (!Files.exists(Path.of("/dev/fuse"))) {
      return "/dev/fuse is absent";
    }
    if (!Files.isReadable(Path.of("/dev/fuse")) || !Files.isWritable(Path.of("/dev/fuse"))) {
      return "/dev/fuse is not readable and writable by this user";
    }
    try {
      binary();
      return null;
    } catch (IOException e) {
      return e.getMessage();
    }
  }

  /** Compiles powerlossfs.c once per content into target/powerlossfs/. */
  private static synchronized Path binary() throws IOException {
    if (binary != null) {
      return binary;
    }
    Path base = Path.of(System.getProperty("basedir", "."));
    Path source = base.resolve("src/test/native/powerlossfs.c");
    if (!Files.exists(source)) {
      throw new IOException("the source " + source.toAbsolutePath() + " is missing");
    }
    byte[] text = Files.readAllBytes(source);
    String hash;
    try {
      hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text), 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    Path out = base.resolve("target/powerlossfs/" + hash + "/powerlossfs");
    if (!Files.isExecutable(out)) {
      Files.createDirectories(out.getParent());
      String flags = run(List.of("pkg-config", "--cflags", "--libs", "fuse3"));
      List<String> cmd = new ArrayList<>(List.of("gcc", "-O2", "-Wall", "-Wno-format-truncation",
          "-o", out + ".tmp", source.toString()));
      cmd.addAll(List.of(flags.trim().split("\\s+")));
      run(cmd);
      Files.move(Path.of(out + ".tmp"), out, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
    binary = out;
    return out;
  }

  private static String run(List<String> cmd) throws IOException {
    Process p;
    try {
      p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new IOException(cmd.get(0) + " cannot start: " + e.getMessage(), e);
    }
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (p.waitFor() != 0) {
        throw new IOException(String.join(" ", cmd) + " failed: " + output.trim());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    return output;
  }

  /**
   * Mounts powerlossfs on {@code mountPoint} (created if absent) over {@code backing} (created if
   * absent; its files are the durable state to start from).
   */
  static PowerLossFs mount(Path backing, Path mountPoint) throws IOException {
    Files.createDirectories(backing);
    Files.createDirectories(mountPoint);
    Path control = backing.resolveSibling(backing.getFileName() + ".ctl");
    PowerLossFs fs = new PowerLossFs(backing, mountPoint, control);
    fs.start();
    return fs;
  }

  /** The mount point: the files the test and its writers use. */
  Path mountPoint() {
    return mountPoint;
  }

  /** The power cuts so far. */
  int cuts() {
    return cuts;
  }

  private void start() throws IOException {
    daemon = new ProcessBuilder(binary().toString(), backing.toString(), mountPoint.toString(),
        control.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    RUNNING.add(daemon);
    BufferedReader out = new BufferedReader(new InputStreamReader(daemon.getInputStream(),
        StandardCharsets.UTF_8));
    CompletableFuture<String> ready = CompletableFuture.supplyAsync(() -> {
      try {
        return out.readLine();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
    String line;
    try {
      line = ready.get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (Exception e) {
      daemon.destroyForcibly();
      throw new IOException("powerlossfs did not start on " + mountPoint + ": " + e, e);
    }
    if (line == null || !line.startsWith("READY")) {
      daemon.destroyForcibly();
      throw new IOException("powerlossfs did not mount on " + mountPoint + " (it printed "
          + line + "; see its error output above)");
    }
    // The daemon's later output (its EXIT line) is drained so it never blocks on a full pipe.
    Thread drain = new Thread(() -> {
      try {
        String l;
        while ((l = out.readLine()) != null) {
          LOG.debug("powerlossfs: {}", l);
        }
      } catch (IOException e) {
        // the daemon exited
      }
    }, "powerlossfs-out");
    drain.setDaemon(true);
    drain.start();
    channel = SocketChannel.open(UnixDomainSocketAddress.of(control));
    replies = new BufferedReader(Channels.newReader(channel, StandardCharsets.UTF_8));
    command("ping");
  }

  /** Sends one command line and returns the rest of its {@code OK} reply. */
  private String command(String line) throws IOException {
    channel.write(ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8)));
    String reply = replies.readLine();
    if (reply == null) {
      throw new IOException("powerlossfs closed its control socket after '" + line + "'");
    }
    if (!reply.startsWith("OK")) {
      throw new IOException("powerlossfs refused '" + line + "': " + reply);
    }
    return reply.substring(2).trim();
  }

  /**
   * Makes the next {@code count} fsyncs (fdatasyncs, msyncs, directory fsyncs) of files whose
   * name contains {@code nameContains} fail with EIO; -1 for every one until {@link
   * #clearFaults()}. A failed fsync drops the file's unsynced writes, as Linux does: a later
   * fsync succeeds without them.
   *
   * @param nameContains part of the file's (last) name; empty for any file
   */
  void failNextFsync(int count, String nameContains) throws IOException {
    if (count == 0 || count < -1) {
      throw new IllegalArgumentException("count must be positive or -1, not " + count);
    }
    command("fail-fsync " + count + (nameContains.isEmpty() ? "" : " " + nameContains));
  }

  /**
   * Makes the next {@code count} writes to files whose name contains {@code nameContains} fail
   * with {@code errno} ({@code "ENOSPC"}, {@code "EDQUOT"} or {@code "EIO"}); -1 for every one
   * until {@link #clearFaults()}. A failed write changes nothing.
   */
  void failNextWrites(int count, String errno, String nameContains) throws IOException {
    if (count == 0 || count < -1) {
      throw new IllegalArgumentException("count must be positive or -1, not " + count);
    }
    command("fail-write " + count + " " + errno
        + (nameContains.isEmpty() ? "" : " " + nameContains));
  }

  /** Removes every injected fault not yet used up. */
  void clearFaults() throws IOException {
    command("clear");
  }

  /** Makes everything durable, as sync(2) does. */
  void sync() throws IOException {
    command("sync");
  }

  /**
   * Counters: {@code fsyncs fsync_failed dirsyncs writes write_failed frozen frozen_refused
   * unsynced_bytes} as {@code name=value} words.
   */
  String stats() throws IOException {
    return command("stats");
  }

  /**
   * Freezes the file system: from now on every change and every fsync on it fails with EIO and
   * changes nothing, until {@link #remount()}. The first half of {@link #powerCut}.
   *
   * @return the counters just before the cut (see {@link #stats()})
   */
  String cut() throws IOException {
    String stats = command("stats");
    command("cut");
    return stats;
  }

  /**
   * A torn cut: like {@link #cut()}, but first about {@code keepPercent} of the unsynced pages,
   * picked by {@code seed}, reach the disk (as background writeback may leave them, in no order);
   * the others are lost.
   *
   * @return the counters just before the cut, then {@code kept=N dropped=N} (pages)
   */
  String cut(int keepPercent, long seed) throws IOException {
    if (keepPercent < 0 || keepPercent > 100) {
      throw new IllegalArgumentException("keepPercent must be 0 to 100, not " + keepPercent);
    }
    String stats = command("stats");
    return stats + " " + command("cut " + keepPercent + " " + Long.toUnsignedString(seed))
        .replace("frozen ", "");
  }

  /**
   * A torn power cut: {@link #cut(int, long)}, then as {@link #powerCut(Process...)}.
   *
   * @return what {@link #cut(int, long)} returns
   */
  String powerCut(int keepPercent, long seed, Process... writers) throws IOException {
    return afterCut(cut(keepPercent, seed), writers);
  }

  /**
   * The power fails now: the file system freezes (every later change and fsync fails with EIO and
   * changes nothing), the given processes are killed and waited for, and the file system is
   * mounted again from what was durable at the instant of the cut.
   *
   * @return the counters just before the cut (see {@link #stats()})
   */
  String powerCut(Process... writers) throws IOException {
    return afterCut(cut(), writers);
  }

  private String afterCut(String before, Process... writers) throws IOException {
    for (Process p : writers) {
      p.destroyForcibly();
    }
    for (Process p : writers) {
      try {
        if (!p.waitFor(EXIT_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
          throw new IOException("a writer did not die after kill -9: " + p);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted", e);
      }
    }
    cuts++;
    remount();
    return before;
  }

  /**
   * Unmounts (dropping everything not fsynced) and mounts again on the backing directory, with a
   * fresh kernel page cache.
   */
  void remount() throws IOException {
    unmount();
    start();
  }

  private void unmount() throws IOException {
    if (daemon == null) {
      return;
    }
    try {
      // The daemon answers, then exits; it may exit before its answer is read.
      channel.write(ByteBuffer.wrap("unmount\n".getBytes(StandardCharsets.UTF_8)));
      String reply = replies.readLine();
      if (reply != null && !reply.startsWith("OK")) {
        throw new IOException("powerlossfs could not unmount " + mountPoint + ": " + reply);
      }
    } catch (IOException e) {
      if (daemon.isAlive()) {
        throw e;
      }
    } finally {
      channel.close();
    }
    try {
      if (!daemon.waitFor(EXIT_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        daemon.destroyForcibly();
        throw new IOException("powerlossfs did not exit after unmounting " + mountPoint
            + " (a file on it is still open?)");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    int code = daemon.exitValue();
    RUNNING.remove(daemon);
    daemon = null;
    if (code != 0) {
      throw new IOException("powerlossfs exited with " + code + " after unmounting " + mountPoint);
    }
  }

  /** Unmounts; what was not fsynced is dropped, as at a power cut. */
  @Override
  public void close() throws IOException {
    unmount();
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "powerlossfs on %s over %s", mountPoint, backing);
  }
}
