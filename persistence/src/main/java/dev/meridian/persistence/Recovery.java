package dev.meridian.persistence;

import static dev.meridian.persistence.MapDbDocStore.FORMAT;
import static dev.meridian.persistence.MapDbDocStore.ID_FILE;
import static dev.meridian.persistence.MapDbDocStore.JOURNAL_DIR;
import static dev.meridian.persistence.MapDbDocStore.LOCK_FILE;
import static dev.meridian.persistence.MapDbDocStore.MANIFEST_FILE;
import static dev.meridian.persistence.MapDbDocStore.SLOT_FILES;

import dev.meridian.crdt.ReplicaId;
import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.codec.CodecException;
import dev.meridian.crdt.codec.CrdtCodec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.LongConsumer;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens a data directory: creates it, or recovers it after a clean stop or a crash. See DESIGN.md,
 * "Persistence: a journal that acknowledges, two MapDB files that take turns".
 */
final class Recovery {
  private static final Logger LOG = LoggerFactory.getLogger(Recovery.class);
  private static final String ID_HEADER = "meridian data directory";

  private Recovery() {}

  /** Everything recovery sets up. */
  static final class Recovered {
    ReplicaId replicaId;
    Manifest manifest;
    MapDbFile[] files = new MapDbFile[2];
    int current;
    ConcurrentSkipListMap<String, List<View.OverlayRecord>> overlay = new ConcurrentSkipListMap<>();
    long overlayBytes;
    CausalContext liveContext = new CausalContext();
    long reserved;
    long clock;
    Journal journal;
    RecoveryReport report;
    volatile LongConsumer onRollHook = base -> { };
    volatile Journal.Listener listenerHook;
    /** Dots of this replica from this counter on that no durable record holds were never seen. */
    long voidSafeFrom = 1;
  }

  /**
   * Creates the directory's files (a new replica) or recovers them: picks the newest trusted
   * MapDB file, restores the other from it if needed, replays the journal past it.
   */
  static Recovered recover(StoreOptions options) throws IOException {
    Recovered r = new Recovered();
    try {
      return recoverInto(options, r);
    } catch (IOException | RuntimeException | Error e) {
      // A refused open leaves nothing open (mapped MapDB files would keep the files busy).
      for (MapDbFile f : r.files) {
        if (f != null) {
          try {
            f.close();
          } catch (RuntimeException closing) {
            e.addSuppressed(closing);
          }
        }
      }
      if (r.journal != null) {
        r.journal.close();
      }
      throw e;
    }
  }

  private static Recovered recoverInto(StoreOptions options, Recovered r) throws IOException {
    Path dir = options.directory;
    Path idFile = dir.resolve(ID_FILE);
    boolean created = false;
    if (!Files.exists(idFile)) {
      checkCreatable(dir);
      create(dir, options.newReplicaId);
      created = true;
    }
    Identity identity = readIdentity(idFile);
    r.replicaId = identity.replica();
    r.voidSafeFrom = identity.voidSafeFrom();
    Path manifestPath = dir.resolve(MANIFEST_FILE);
    Manifest manifest = Manifest.read(manifestPath);
    if (manifest.replica() != r.replicaId.value()) {
      throw new StoreException(StoreException.Reason.FOREIGN_FILE, manifestPath,
          manifestPath + " belongs to replica " + ReplicaId.of(manifest.replica()) + ", not "
              + r.replicaId);
    }
    Path journalDir = dir.resolve(JOURNAL_DIR);
    java.util.NavigableMap<Long, JournalFiles.Segment> segments = JournalFiles.listSegments(journalDir);
    if (!segments.containsKey(manifest.lastSegmentBase())) {
      Path missing = JournalFiles.segmentPath(journalDir, manifest.lastSegmentBase());
      throw new StoreException(StoreException.Reason.MISSING_FILE, missing,
          "journal segment " + missing + " is missing");
    }

    // Which MapDB files can be trusted?
    List<String> notes = new ArrayList<>();
    String[] problems = new String[2];
    for (int i = 0; i < 2; i++) {
      Path p = dir.resolve(SLOT_FILES[i]);
      Manifest.Slot slot = manifest.slots()[i];
      if (!slot.clean()) {
        problems[i] = p + " was being written when the store stopped";
        continue;
      }
      try {
        MapDbFile f = MapDbFile.open(p, r.replicaId);
        if (f.position != slot.position()) {
          f.close();
          problems[i] = p + " holds position " + f.position + " but the manifest says "
              + slot.position();
          continue;
        }
        r.files[i] = f;
      } catch (StoreException e) {
        if (e.reason() == StoreException.Reason.UNKNOWN_FORMAT) {
          throw e;
        }
        problems[i] = e.getMessage();
      }
    }
    int cur;
    if (r.files[0] == null && r.files[1] == null) {
      throw new StoreException(StoreException.Reason.CORRUPT, dir.resolve(SLOT_FILES[0]),
          "no MapDB file can be trusted: " + problems[0] + "; " + problems[1]);
    } else if (r.files[0] == null) {
      cur = 1;
    } else if (r.files[1] == null) {
      cur = 0;
    } else {
      cur = r.files[0].position >= r.files[1].position ? 0 : 1;
    }
    int standby = 1 - cur;
    long pc = r.files[cur].position;

    // Replay the journal past the current file into the overlay; check the standby's part.
    long[] replayed = {0};
    long[] maxClock = {r.files[cur].clock};
    long[] maxReserved = {r.files[cur].counterReserved};
    r.liveContext.addAll(r.files[cur].storeContext);
    JournalFiles.RecordVisitor replay = (pos, end, payload) -> {
      if (pos < pc) {
        return;
      }
      replayed[0]++;
      JournalRecords.Entry entry;
      try {
        entry = JournalRecords.parse(payload);
      } catch (IllegalArgumentException e) {
        throw new StoreException(StoreException.Reason.CORRUPT, journalDir,
            "journal record at position " + pos + " in " + journalDir + ": " + e.getMessage(), e);
      }
      if (entry instanceof JournalRecords.Delta d) {
        maxClock[0] = Math.max(maxClock[0], d.clock());
        CausalContext deltaContext;
        try {
          deltaContext = CrdtCodec.decodeDocument(d.delta()).context();
          r.liveContext.addAll(deltaContext);
        } catch (CodecException e) {
          throw new StoreException(StoreException.Reason.CORRUPT, journalDir,
              "journal record at position " + pos + " in " + journalDir
                  + " holds an undecodable delta", e);
        }
        r.overlay.computeIfAbsent(d.key(), k -> new ArrayList<>())
            .add(new View.OverlayRecord(pos, d.delta(), View.newest(deltaContext)));
        r.overlayBytes += View.weight(d.key(), d.delta());
      } else if (entry instanceof JournalRecords.Reserve res) {
        maxReserved[0] = Math.max(maxReserved[0], res.counter());
        maxClock[0] = Math.max(maxClock[0], res.clock());
      }
    };
    JournalFiles.ScanResult scan;
    boolean standbyUsable = r.files[standby] != null
        && r.files[standby].position >= segments.firstKey();
    if (standbyUsable) {
      try {
        scan = JournalFiles.recover(segments, r.files[standby].position, replay);
      } catch (StoreException e) {
        if (e.reason() != StoreException.Reason.CORRUPT) {
          throw e;
        }
        // Maybe only the part the standby needs is bad: the current file has it all.
        problems[standby] = "the journal it needs is damaged: " + e.getMessage();
        standbyUsable = false;
        resetReplay(r, cur, replayed, maxClock, maxReserved);
        scan = JournalFiles.recover(segments, pc, replay);
      }
    } else {
      if (r.files[standby] != null) {
        problems[standby] = SLOT_FILES[standby] + " is older than the journal kept";
      }
      scan = JournalFiles.recover(segments, pc, replay);
    }
    if (scan.end() < pc) {
      throw new StoreException(StoreException.Reason.CORRUPT, segments.lastEntry().getValue().path(),
          "the journal ends at " + scan.end() + " before position " + pc + " held by "
              + dir.resolve(SLOT_FILES[cur]));
    }

    int repairs = 0;
    if (!standbyUsable) {
      if (r.files[standby] != null) {
        r.files[standby].close();
        r.files[standby] = null;
      }
      Path from = dir.resolve(SLOT_FILES[cur]);
      Path to = dir.resolve(SLOT_FILES[standby]);
      String note = "restored " + to + " from " + from + " (" + problems[standby] + ")";
      if (!created) {
        LOG.warn(note);
        notes.add(note);
        repairs++;
      }
      r.files[cur].close();
      r.files[cur] = null;
      Storage.copy(from, to);
      r.files[cur] = MapDbFile.open(from, r.replicaId);
      r.files[standby] = MapDbFile.open(to, r.replicaId);
      Manifest.Slot slot = manifest.slots()[cur];
      manifest = manifest.with(standby, new Manifest.Slot(true, slot.position(),
          manifest.slots()[standby].generation() + 1));
      manifest.write(manifestPath);
    }
    long end = scan.end();
    if (segments.lastEntry().getValue().version() != JournalFiles.VERSION) {
      // A segment of an older version is never appended to (JournalFiles [4]).
      Path next = JournalFiles.segmentPath(journalDir, end);
      JournalFiles.writeSegmentHeader(next, end);
      Storage.fsyncDirectory(journalDir);
      segments.put(end, new JournalFiles.Segment(next, JournalFiles.VERSION));
      end += JournalFiles.SEGMENT_HEADER;
    }
    if (segments.lastKey() != manifest.lastSegmentBase()) {
      manifest = manifest.withLastSegment(segments.lastKey());
      manifest.write(manifestPath);
    }
    r.manifest = manifest;
    r.current = cur;
    r.clock = maxClock[0];
    r.reserved = Math.max(maxReserved[0], r.liveContext.max(r.replicaId));
    Recovered rr = r;
    if (identity.format() != FORMAT) {
      // Migrate: dots below the reservation were written by a build that could let a dot be
      // seen before its fsync, so their gaps are not known to be void.
      r.voidSafeFrom = r.reserved + 1;
      writeIdentity(idFile, r.replicaId, r.voidSafeFrom);
      String note = "migrated " + dir + " from format " + identity.format() + " to " + FORMAT;
      LOG.info(note);
      notes.add(note);
    }
    r.journal = Journal.open(journalDir, segments, end, options.segmentBytes,
        options.commitInterval.toNanos(), (int) Math.min(64 << 20, options.maxBacklogBytes),
        base -> rr.onRollHook.accept(base), new Journal.Listener() {
          @Override
          public void durable(List<Object> attachments) {
            rr.listenerHook.durable(attachments);
          }

          @Override
          public void failed(IOException cause) {
            rr.listenerHook.failed(cause);
          }
        }, options.byHand);
    r.report = new RecoveryReport(created, repairs, scan.tornBytes(), replayed[0], notes);
    return r;
  }

  /** Forgets a replay that started at the standby's position, to start again at {@code cur}'s. */
  private static void resetReplay(Recovered r, int cur, long[] replayed, long[] maxClock,
      long[] maxReserved) {
    r.overlay.clear();
    r.overlayBytes = 0;
    replayed[0] = 0;
    r.liveContext = new CausalContext();
    r.liveContext.addAll(r.files[cur].storeContext);
    maxClock[0] = r.files[cur].clock;
    maxReserved[0] = r.files[cur].counterReserved;
  }

  private static void checkCreatable(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        String name = p.getFileName().toString();
        boolean leftover = name.equals(LOCK_FILE) || name.equals(ID_FILE + ".tmp")
            || name.startsWith(MANIFEST_FILE) || name.startsWith("store-")
            || name.equals(JOURNAL_DIR);
        if (!leftover) {
          throw new StoreException(StoreException.Reason.FOREIGN_FILE, dir.resolve(ID_FILE),
              dir + " is not a Meridian data directory: " + dir.resolve(ID_FILE)
                  + " is missing and the directory holds " + p);
        }
      }
    }
    // Only files of a creation that did not finish? The id file is written last, after the
    // manifest; a manifest whose files hold no checkpoint and a journal with no record mean no
    // write was ever acknowledged, so they are recreated. Anything else is refused.
    Path idFile = dir.resolve(ID_FILE);
    Path manifestPath = dir.resolve(MANIFEST_FILE);
    if (Files.exists(manifestPath)) {
      Manifest m;
      try {
        m = Manifest.read(manifestPath);
      } catch (StoreException e) {
        throw new StoreException(StoreException.Reason.MISSING_FILE, idFile,
            idFile + " is missing and " + manifestPath + " is unreadable", e);
      }
      for (Manifest.Slot slot : m.slots()) {
        if (slot.position() != JournalFiles.SEGMENT_HEADER || m.lastSegmentBase() != 0) {
          throw new StoreException(StoreException.Reason.MISSING_FILE, idFile,
              idFile + " is missing but " + manifestPath + " records checkpoints");
        }
      }
    }
    Path journalDir = dir.resolve(JOURNAL_DIR);
    if (Files.isDirectory(journalDir)) {
      try (Stream<Path> s = Files.list(journalDir)) {
        for (Path p : (Iterable<Path>) s::iterator) {
          if (Files.size(p) > JournalFiles.SEGMENT_HEADER) {
            throw new StoreException(StoreException.Reason.MISSING_FILE, idFile,
                idFile + " is missing but the journal holds records (" + p + ")");
          }
        }
      }
      try (Stream<Path> s = Files.list(journalDir)) {
        for (Path p : (Iterable<Path>) s::iterator) {
          Files.delete(p);
        }
      }
    }
  }

  private static void create(Path dir, ReplicaId given) throws IOException {
    ReplicaId id = given != null ? given : ReplicaId.random();
    long start = Journal.create(dir.resolve(JOURNAL_DIR));
    for (String f : SLOT_FILES) {
      MapDbFile.create(dir.resolve(f), id, start).close();
    }
    Manifest m = new Manifest(id.value(), new Manifest.Slot[] {
        new Manifest.Slot(true, start, 0), new Manifest.Slot(true, start, 0)}, 0);
    m.write(dir.resolve(MANIFEST_FILE));
    writeIdentity(dir.resolve(ID_FILE), id, 1);
    LOG.info("created data directory {} for new replica {}", dir, id);
  }

  /** What the identity file says: the replica, the directory's format and its void-safe counter. */
  private record Identity(ReplicaId replica, int format, long voidSafeFrom) {}

  private static void writeIdentity(Path idFile, ReplicaId id, long voidSafeFrom)
      throws IOException {
    String text = ID_HEADER + "\nformat " + FORMAT + "\nreplica " + id + "\nvoid-safe-from "
        + voidSafeFrom + "\n";
    Storage.writeAtomically(idFile, text.getBytes(StandardCharsets.UTF_8));
  }

  private static Identity readIdentity(Path idFile) throws StoreException {
    List<String> lines;
    try {
      lines = Files.readAllLines(idFile, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new StoreException(StoreException.Reason.FOREIGN_FILE, idFile,
          "cannot read " + idFile + " as a Meridian identity file", e);
    }
    if (lines.size() < 3 || !lines.get(0).equals(ID_HEADER) || !lines.get(1).startsWith("format ")
        || !lines.get(2).startsWith("replica ")) {
      throw new StoreException(StoreException.Reason.FOREIGN_FILE, idFile,
          idFile + " is not a Meridian identity file");
    }
    String format = lines.get(1).substring("format ".length());
    if (!format.equals("1") && !format.equals(Integer.toString(FORMAT))) {
      throw new StoreException(StoreException.Reason.UNKNOWN_FORMAT, idFile,
          idFile + " has format version " + format + "; this build reads format 1 (migrated on"
              + " open) and format " + FORMAT);
    }
    ReplicaId replica;
    long voidSafeFrom = Long.MAX_VALUE;
    try {
      replica = ReplicaId.parse(lines.get(2).substring("replica ".length()));
      if (format.equals(Integer.toString(FORMAT))) {
        if (lines.size() < 4 || !lines.get(3).startsWith("void-safe-from ")) {
          throw new IllegalArgumentException("no void-safe-from line");
        }
        voidSafeFrom = Long.parseLong(lines.get(3).substring("void-safe-from ".length()));
      }
    } catch (IllegalArgumentException e) {
      throw new StoreException(StoreException.Reason.CORRUPT, idFile,
          idFile + " is damaged: " + e.getMessage(), e);
    }
    return new Identity(replica, Integer.parseInt(format), voidSafeFrom);
  }
}
