package dev.meridian.persistence;

import dev.meridian.crdt.ReplicaId;
import dev.meridian.crdt.doc.Document;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Backups of a running {@link MapDbDocStore} and restores from them.
 *
 * <p>A backup is a directory laid out as a data directory: the current MapDB file (copied while no
 * checkpoint runs, so it does not change; writes go on into the journal meanwhile), the journal
 * segments from that file's position to the durable end at that moment (the last one cut at
 * exactly that end, a batch boundary), a manifest naming the file clean, the identity file, and
 * last {@value #MARKER}, which says it is complete. It holds every write acknowledged before the
 * backup started (and possibly some after).
 *
 * <p>A restore never reuses the backed-up replica id: two replicas issuing the same dots would
 * diverge for ever. It recovers the backup in a scratch directory and joins every document into a
 * new store with a new random id, as deltas from a peer; that store then converges with the
 * cluster like any peer that was away. A document deleted in the cluster after the backup stays
 * deleted: the cluster's delete covers the restored events.
 */
public final class Backups {
  /** The file that marks a backup complete; written last. */
  public static final String MARKER = "BACKUP";
  private static final String FORMAT_LINE = "meridian-backup 1";
  private static final Logger LOG = LoggerFactory.getLogger(Backups.class);
  private static final int RESTORE_PAGE = 1_000;

  private Backups() {}

  /**
   * What a backup holds.
   *
   * @param replica the backed-up replica
   * @param filePosition the journal position the copied MapDB file holds
   * @param journalEnd the durable journal end the backup holds everything below
   * @param bytes the bytes copied
   */
  public record Taken(ReplicaId replica, long filePosition, long journalEnd, long bytes) {}

  static Taken take(Path storeDir, Path target, ReplicaId replica, View view, Journal journal,
      Checkpointer checkpointer) throws IOException {
    createEmpty(target, "backup target");
    Path journalTarget = target.resolve(MapDbDocStore.JOURNAL_DIR);
    Files.createDirectories(journalTarget);
    Taken taken = checkpointer.whileNoCheckpoint(() -> {
      int cur = view.current();
      long position = view.currentFile().position;
      long end = journal.durablePosition();
      long bytes = copy(storeDir.resolve(MapDbDocStore.SLOT_FILES[cur]),
          target.resolve(MapDbDocStore.SLOT_FILES[cur]), Long.MAX_VALUE);
      NavigableMap<Long, Path> segments = journal.segmentsFrom(position);
      for (Map.Entry<Long, Path> e : segments.entrySet()) {
        if (e.getKey() > end) {
          break; // rolled after the durable end was taken
        }
        long limit = e.getKey().equals(segments.floorKey(end)) ? end - e.getKey() : Long.MAX_VALUE;
        bytes += copy(e.getValue(), journalTarget.resolve(e.getValue().getFileName()), limit);
      }
      Manifest.Slot clean = new Manifest.Slot(true, position, 1);
      Manifest.Slot other = new Manifest.Slot(false, 0, 0);
      Manifest.Slot[] slots = cur == 0 ? new Manifest.Slot[] {clean, other}
          : new Manifest.Slot[] {other, clean};
      new Manifest(replica.value(), slots, segments.floorKey(end))
          .write(target.resolve(MapDbDocStore.MANIFEST_FILE));
      return new Taken(replica, position, end, bytes);
    });
    copy(storeDir.resolve(MapDbDocStore.ID_FILE), target.resolve(MapDbDocStore.ID_FILE),
        Long.MAX_VALUE);
    Storage.fsyncDirectory(journalTarget);
    Storage.writeAtomically(target.resolve(MARKER), (FORMAT_LINE + "\nreplica " + replica
        + "\njournal " + taken.filePosition() + " " + taken.journalEnd() + "\n")
        .getBytes(StandardCharsets.UTF_8));
    LOG.info("backed up {} into {}: replica {}, journal to {}, {} bytes", storeDir, target,
        replica, taken.journalEnd(), taken.bytes());
    return taken;
  }

  /**
   * What a restore did.
   *
   * @param from the replica id of the backup
   * @param as the new replica id of the restored directory
   * @param documents the documents restored
   */
  public record Restored(ReplicaId from, ReplicaId as, long documents) {}

  /**
   * Makes a new data directory from a backup, with a new replica id (never the backed-up one).
   *
   * @param backup a directory a backup was written to
   * @param target the options of the new store; its directory must be absent or empty
   * @throws StoreException if {@code backup} is not a complete backup of a known format, or the
   *     target is not empty; nothing is written then
   */
  public static Restored restore(Path backup, StoreOptions target) throws IOException {
    Path marker = backup.resolve(MARKER);
    if (!Files.isRegularFile(marker)) {
      throw new StoreException(StoreException.Reason.MISSING_FILE, marker, backup
          + " is not a complete Meridian backup: it has no " + MARKER + " file (a backup that"
          + " stopped part way, or another directory)");
    }
    String first = Files.readAllLines(marker, StandardCharsets.UTF_8).stream().findFirst()
        .orElse("");
    if (!first.equals(FORMAT_LINE)) {
      throw new StoreException(StoreException.Reason.UNKNOWN_FORMAT, marker,
          backup + " is a backup of an unknown format (" + first + ")");
    }
    Path dir = target.directory;
    createEmpty(dir, "restore target");
    Path scratch = dir.resolveSibling(dir.getFileName() + ".restoring");
    delete(scratch);
    copyTree(backup, scratch);
    Files.delete(scratch.resolve(MARKER));
    long documents = 0;
    ReplicaId from;
    ReplicaId as;
    try (MapDbDocStore old = MapDbDocStore.open(StoreOptions.in(scratch).build());
        MapDbDocStore fresh = MapDbDocStore.open(target)) {
      from = old.replica().id();
      as = fresh.replica().id();
      if (from.equals(as)) {
        throw new IllegalStateException("the new replica id equals the backed-up one");
      }
      String after = null;
      do {
        KeyPage page = old.list("", after, RESTORE_PAGE);
        List<CompletableFuture<Void>> joins = new ArrayList<>(page.keys().size());
        for (String key : page.keys()) {
          Optional<Document> doc = old.peek(key);
          if (doc.isPresent()) {
            joins.add(fresh.applyRemote(key, doc.get()));
            documents++;
          }
        }
        CompletableFuture.allOf(joins.toArray(CompletableFuture[]::new)).join();
        after = page.next();
      } while (after != null);
      fresh.flush();
    } finally {
      delete(scratch);
    }
    LOG.info("restored {} documents of replica {} from {} into {} as new replica {}", documents,
        from, backup, dir, as);
    return new Restored(from, as, documents);
  }

  private static void createEmpty(Path dir, String what) throws IOException {
    if (Files.exists(dir)) {
      try (Stream<Path> s = Files.list(dir)) {
        if (s.findAny().isPresent()) {
          throw new StoreException(StoreException.Reason.FOREIGN_FILE, dir,
              "the " + what + " " + dir + " is not empty");
        }
      }
    }
    Files.createDirectories(dir);
  }

  /** Copies the first {@code limit} bytes of {@code from}, fsynced; returns the bytes copied. */
  private static long copy(Path from, Path to, long limit) throws IOException {
    long n = 0;
    byte[] buf = new byte[1 << 16];
    try (InputStream in = Files.newInputStream(from);
        FileChannel out = FileChannel.open(to, StandardOpenOption.CREATE_NEW,
            StandardOpenOption.WRITE);
        OutputStream os = java.nio.channels.Channels.newOutputStream(out)) {
      while (n < limit) {
        int r = in.read(buf, 0, (int) Math.min(buf.length, limit - n));
        if (r < 0) {
          break;
        }
        os.write(buf, 0, r);
        n += r;
      }
      out.force(true);
    }
    return n;
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        Path t = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(t);
        } else {
          copy(p, t, Long.MAX_VALUE);
        }
      }
    }
  }

  /** Removes a backup directory (or any directory tree) and everything in it, if it exists. */
  public static void delete(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      List<Path> all = new ArrayList<>(s.toList());
      java.util.Collections.reverse(all);
      for (Path p : all) {
        Files.deleteIfExists(p);
      }
    }
  }
}
