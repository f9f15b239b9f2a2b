package dev.meridian.transport.grpc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A value made from files, made again when one of them is replaced or rewritten: {@link #get()}
 * looks at the files (one {@code stat} each: file identity, modification time, size) and, if any
 * changed since the value was made, makes it again before answering. A new version that cannot be
 * used (unreadable, unparseable, a key that is not the certificate's) is logged once, at ERROR,
 * counted in {@link #failures()}, and the value made before stays in force until the files change
 * again. Thread-safe; {@link #get()} takes no lock unless the files changed.
 *
 * @param <T> what the files make (TLS key or trust material)
 */
final class FileBacked<T> {
  /*
   * Design notes.
   * [1] The file identity (device and inode on Unix) is in the stamp: a file replaced by rename,
   *     as docs/security.md asks, is a new inode even when its size and time are the old ones'.
   * [2] The stamps are read before the files: a change during a read leaves stamps older than the
   *     content, so the next get() reads again; never the reverse, which would miss a change.
   */
  private static final Logger LOG = LoggerFactory.getLogger(FileBacked.class);

  /** Makes the value from the files. */
  @FunctionalInterface
  interface Maker<T> {
    /** The value, or an IOException saying what is wrong with which file. */
    T make() throws IOException;
  }

  /** What a file looked like: null parts if it could not be looked at. */
  private record Stamp(Object key, long modifiedNanos, long size) {}

  private record Current<T>(T value, List<Stamp> stamps) {}

  private final String what;
  private final List<Path> files;
  private final Maker<T> maker;
  private final Function<T, String> describe;
  private final AtomicLong failures = new AtomicLong();
  private volatile Current<T> current;
  /** The stamps of the last version that could not be used (guarded by this). */
  private List<Stamp> refused;

  private FileBacked(String what, List<Path> files, Maker<T> maker, Function<T, String> describe,
      Current<T> first) {
    this.what = what;
    this.files = files;
    this.maker = maker;
    this.describe = describe;
    this.current = first;
  }

  /**
   * Makes the value from {@code files} now, and again whenever they change.
   *
   * @param what what the files hold, for the log ({@code "this peer's certificate and key"})
   * @param describe says what a value is, for the log line of a reload; never a secret
   * @throws IOException if the value cannot be made now
   */
  static <T> FileBacked<T> open(String what, List<Path> files, Maker<T> maker,
      Function<T, String> describe) throws IOException {
    List<Path> copy = List.copyOf(files);
    List<Stamp> stamps = stamps(copy);
    T value = maker.make();
    return new FileBacked<>(what, copy, maker, describe, new Current<>(value, stamps));
  }

  /** The value for the files as they are now, or the last one that could be made. */
  T get() {
    Current<T> c = current;
    List<Stamp> now = stamps(files);
    if (now.equals(c.stamps())) {
      return c.value();
    }
    synchronized (this) {
      c = current;
      if (now.equals(c.stamps()) || now.equals(refused)) {
        return c.value();
      }
      try {
        T next = maker.make();
        current = new Current<>(next, now);
        refused = null;
        LOG.info("TLS: re-read {} from {}: {}; new connections use it", what, files,
            describe.apply(next));
        return next;
      } catch (IOException | RuntimeException e) {
        refused = now;
        failures.incrementAndGet();
        LOG.error("TLS: cannot use the new {} ({}); new connections keep the one read before",
            what, e.getMessage());
        return c.value();
      }
    }
  }

  /** Times the files changed into something that could not be used. */
  long failures() {
    return failures.get();
  }

  private static List<Stamp> stamps(List<Path> files) {
    List<Stamp> out = new ArrayList<>(files.size());
    for (Path f : files) {
      try {
        BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
        out.add(new Stamp(Objects.requireNonNullElse(a.fileKey(), ""),
            a.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS), a.size()));
      } catch (IOException e) {
        out.add(new Stamp(null, -1, -1)); // missing for now: making the value will say so
      }
    }
    return out;
  }
}
