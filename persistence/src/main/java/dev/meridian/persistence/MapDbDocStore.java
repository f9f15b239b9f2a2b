package dev.meridian.persistence;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import dev.meridian.crdt.Replica;
import dev.meridian.crdt.ReplicaId;
import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.clock.HybridClock;
import dev.meridian.crdt.codec.CodecException;
import dev.meridian.crdt.codec.CrdtCodec;
import dev.meridian.crdt.doc.Document;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link DocStore} of one replica on disk: a checksummed journal that acknowledges writes, and
 * two MapDB files that take checkpoints from it in turn.
 *
 * <p>Open with {@link #open(StoreOptions)}; the directory is created (with a new random replica id)
 * or recovered. Recovery never needs a manual step after a crash: a MapDB file that a crash left
 * mid-checkpoint is restored from the other one, and the journal is replayed from the position the
 * newest clean file holds. Anything it cannot restore without losing an acknowledged write stops
 * the open with a {@link StoreException} naming the file.
 */
public final class MapDbDocStore implements DocStore {
  /*
   * Design notes (see DESIGN.md, "Persistence: two MapDB files and a journal").
   * [1] Ack = journal fsync (group commit). MapDB is never trusted on its own: MapDB 3.1's WAL is
   *     not replayed on open, so the files run without transactions and the journal is the WAL.
   * [2] Two MapDB files, A and B. The checkpointer writes only into the standby (the older one):
   *     it marks it dirty in the manifest, applies the journal from the standby's position to the
   *     durable end, commits (MapDB fsyncs it with a whole-file checksum), marks it clean at the
   *     new position, and makes it current. The current file is never written, so a crash at any
   *     moment leaves at least one clean file, and the journal is kept back to the older file's
   *     position: the other file is restored by copying the clean one.
   * [3] Readers see the current file plus an overlay: the journal records past its position,
   *     kept in memory (bounded by maxBacklogBytes; writers wait past it).
   * [4] Documents being written are cached decoded (a replica mutates one state per document):
   *     a write costs O(delta), not O(document). Per-key locks order writes to one document.
   * [5] Dot counters: a reservation record in the journal, fsynced before any dot above the
   *     previous reservation is handed out; a restart resumes above the highest reservation.
   */
  private static final Logger LOG = LoggerFactory.getLogger(MapDbDocStore.class);

  static final String LOCK_FILE = "LOCK";
  static final String ID_FILE = "meridian.id";
  static final String MANIFEST_FILE = "manifest";
  static final String JOURNAL_DIR = "journal";
  static final String[] SLOT_FILES = {"store-a.mapdb", "store-b.mapdb"};
  static final int FORMAT = 1;
  private static final String ID_HEADER = "meridian data directory";
  static final long RESERVE_BLOCK = 1L << 20;
  private static final int MAX_KEY_BYTES = 1024;
  private static final byte DELTA = 1;
  private static final byte RESERVE = 2;
  private static final int STRIPES = 256;

  private final StoreOptions options;
  private final Path dir;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final Replica replica;
  private final Journal journal;
  private final RecoveryReport report;

  private final Object manifestLock = new Object();
  private Manifest manifest;
  private final MapDbFile[] files;
  private volatile int current;
  private volatile int viewGeneration;
  private final ReentrantReadWriteLock viewLock = new ReentrantReadWriteLock();
  private final ConcurrentSkipListMap<String, List<OverlayRecord>> overlay;
  private volatile long overlayBytes;
  private final Object backlogLock = new Object();

  private final Object[] stripes = new Object[STRIPES];
  private final Cache<String, Document> cache;
  private final CausalContext liveContext;
  private final Object reserveLock = new Object();
  private volatile long reserved;

  private final Thread checkpointer;
  private final Object checkpointWake = new Object();
  private final Object checkpointLock = new Object();
  private volatile long checkpoints;
  private volatile boolean closing;
  private volatile Throwable failure;
  private boolean closed;

  private record OverlayRecord(long position, byte[] delta) {}

  private MapDbDocStore(StoreOptions options, FileChannel lockChannel, FileLock lock,
      Recovered r) {
    this.options = options;
    this.dir = options.directory;
    this.lockChannel = lockChannel;
    this.lock = lock;
    this.manifest = r.manifest;
    this.files = r.files;
    this.current = r.current;
    this.overlay = r.overlay;
    this.overlayBytes = r.overlayBytes;
    this.liveContext = r.liveContext;
    this.journal = r.journal;
    this.report = r.report;
    HybridClock clock = new HybridClock();
    clock.observe(r.clock);
    this.replica = Replica.resume(r.replicaId, r.reserved, clock);
    this.reserved = r.reserved;
    for (int i = 0; i < STRIPES; i++) {
      stripes[i] = new Object();
    }
    this.cache = CacheBuilder.newBuilder().maximumWeight(options.cacheBytes)
        .weigher((String k, Document d) -> 64 + k.length() * 2 + 8 * CrdtCodec.encode(d).length)
        .concurrencyLevel(4).build();
    r.onRollHook = this::onRoll;
    this.checkpointer = new Thread(this::checkpointLoop, "meridian-checkpoint");
    this.checkpointer.setDaemon(true);
  }

  // ---- opening ----------------------------------------------------------------------------------

  /**
   * Opens the store in {@code options.directory()}: creates it (a new random replica id) if it is
   * absent or empty, else recovers it.
   *
   * @throws StoreException if the directory is locked, of an unknown format, or holds a file that
   *     is foreign, corrupt or missing and cannot be restored without losing a write
   */
  public static MapDbDocStore open(StoreOptions options) throws IOException {
    Path dir = options.directory;
    Files.createDirectories(dir);
    Path lockPath = dir.resolve(LOCK_FILE);
    FileChannel ch = FileChannel.open(lockPath, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = ch.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    }
    if (lock == null) {
      ch.close();
      throw new StoreException(StoreException.Reason.LOCKED, dir,
          "data directory " + dir + " is in use by another store (lock " + lockPath + ")");
    }
    try {
      Recovered r = recover(options);
      MapDbDocStore store = new MapDbDocStore(options, ch, lock, r);
      store.reserveAbove(store.replica.lastCounter());
      store.checkpointer.start();
      LOG.info("opened {} as replica {}: {}", dir, store.replica.id(), r.report);
      return store;
    } catch (IOException | RuntimeException | Error e) {
      lock.release();
      ch.close();
      throw e;
    }
  }

  /** Everything recovery sets up. */
  private static final class Recovered {
    ReplicaId replicaId;
    Manifest manifest;
    MapDbFile[] files = new MapDbFile[2];
    int current;
    ConcurrentSkipListMap<String, List<OverlayRecord>> overlay = new ConcurrentSkipListMap<>();
    long overlayBytes;
    CausalContext liveContext = new CausalContext();
    long reserved;
    long clock;
    Journal journal;
    RecoveryReport report;
    volatile java.util.function.LongConsumer onRollHook = base -> { };
  }

  private static Recovered recover(StoreOptions options) throws IOException {
    Path dir = options.directory;
    Path idFile = dir.resolve(ID_FILE);
    Recovered r = new Recovered();
    boolean created = false;
    if (!Files.exists(idFile)) {
      checkCreatable(dir);
      create(dir);
      created = true;
    }
    r.replicaId = readIdentity(idFile);
    Path manifestPath = dir.resolve(MANIFEST_FILE);
    Manifest manifest = Manifest.read(manifestPath);
    if (manifest.replica() != r.replicaId.value()) {
      throw new StoreException(StoreException.Reason.FOREIGN_FILE, manifestPath,
          manifestPath + " belongs to replica " + ReplicaId.of(manifest.replica()) + ", not "
              + r.replicaId);
    }
    Path journalDir = dir.resolve(JOURNAL_DIR);
    TreeMap<Long, Path> segments = Journal.listSegments(journalDir);
    if (!segments.containsKey(manifest.lastSegmentBase())) {
      Path missing = Journal.segmentPath(journalDir, manifest.lastSegmentBase());
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
    Journal.RecordVisitor replay = (pos, end, payload) -> {
      if (pos < pc) {
        return;
      }
      replayed[0]++;
      ByteBuffer b = ByteBuffer.wrap(payload);
      byte type = b.get();
      if (type == DELTA) {
        long clock = b.getLong();
        maxClock[0] = Math.max(maxClock[0], clock);
        int keyLen = (int) MapDbFile.readVarint(b);
        String key = new String(payload, b.position(), keyLen, StandardCharsets.UTF_8);
        b.position(b.position() + keyLen);
        byte[] delta = new byte[b.remaining()];
        b.get(delta);
        try {
          r.liveContext.addAll(CrdtCodec.decodeDocument(delta).context());
        } catch (CodecException e) {
          throw new StoreException(StoreException.Reason.CORRUPT, journalDir,
              "journal record at position " + pos + " holds an undecodable delta", e);
        }
        r.overlay.computeIfAbsent(key, k -> new ArrayList<>()).add(new OverlayRecord(pos, delta));
        r.overlayBytes += delta.length + key.length() + 32;
      } else if (type == RESERVE) {
        maxReserved[0] = Math.max(maxReserved[0], b.getLong());
        maxClock[0] = Math.max(maxClock[0], b.getLong());
      } else {
        throw new StoreException(StoreException.Reason.CORRUPT, journalDir,
            "journal record at position " + pos + " has unknown type " + type);
      }
    };
    Journal.ScanResult scan;
    boolean standbyUsable = r.files[standby] != null
        && r.files[standby].position >= segments.firstKey();
    if (standbyUsable) {
      try {
        scan = Journal.recover(journalDir, segments, r.files[standby].position, replay);
      } catch (StoreException e) {
        if (e.reason() != StoreException.Reason.CORRUPT) {
          throw e;
        }
        // Maybe only the part the standby needs is bad: the current file has it all.
        problems[standby] = "the journal it needs is damaged: " + e.getMessage();
        standbyUsable = false;
        resetReplay(r, replayed, maxClock, maxReserved);
        scan = Journal.recover(journalDir, segments, pc, replay);
      }
    } else {
      if (r.files[standby] != null) {
        problems[standby] = SLOT_FILES[standby] + " is older than the journal kept";
      }
      scan = Journal.recover(journalDir, segments, pc, replay);
    }
    if (scan.end() < pc) {
      throw new StoreException(StoreException.Reason.CORRUPT, segments.lastEntry().getValue(),
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
      Storage.copy(from, to);
      r.files[cur] = MapDbFile.open(from, r.replicaId);
      r.files[standby] = MapDbFile.open(to, r.replicaId);
      Manifest.Slot slot = manifest.slots()[cur];
      manifest = manifest.with(standby, new Manifest.Slot(true, slot.position(),
          manifest.slots()[standby].generation() + 1));
      manifest.write(manifestPath);
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
    r.journal = Journal.open(journalDir, segments, scan.end(), options.segmentBytes,
        options.commitInterval.toNanos(), (int) Math.min(64 << 20, options.maxBacklogBytes),
        base -> rr.onRollHook.accept(base));
    r.report = new RecoveryReport(created, repairs, scan.tornBytes(), replayed[0], notes);
    return r;
  }

  private static void resetReplay(Recovered r, long[] replayed, long[] maxClock,
      long[] maxReserved) {
    r.overlay.clear();
    r.overlayBytes = 0;
    replayed[0] = 0;
    r.liveContext = new CausalContext();
    r.liveContext.addAll(r.files[r.files[0] != null && (r.files[1] == null
        || r.files[0].position >= r.files[1].position) ? 0 : 1].storeContext);
    maxClock[0] = 0;
    maxReserved[0] = 0;
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
        if (slot.position() != Journal.SEGMENT_HEADER || m.lastSegmentBase() != 0) {
          throw new StoreException(StoreException.Reason.MISSING_FILE, idFile,
              idFile + " is missing but " + manifestPath + " records checkpoints");
        }
      }
    }
    Path journalDir = dir.resolve(JOURNAL_DIR);
    if (Files.isDirectory(journalDir)) {
      try (Stream<Path> s = Files.list(journalDir)) {
        for (Path p : (Iterable<Path>) s::iterator) {
          if (Files.size(p) > Journal.SEGMENT_HEADER) {
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

  private static void create(Path dir) throws IOException {
    ReplicaId id = ReplicaId.random();
    long start = Journal.create(dir.resolve(JOURNAL_DIR));
    for (String f : SLOT_FILES) {
      MapDbFile.create(dir.resolve(f), id, start).close();
    }
    Manifest m = new Manifest(id.value(), new Manifest.Slot[] {
        new Manifest.Slot(true, start, 0), new Manifest.Slot(true, start, 0)}, 0);
    m.write(dir.resolve(MANIFEST_FILE));
    String text = ID_HEADER + "\nformat " + FORMAT + "\nreplica " + id + "\n";
    Storage.writeAtomically(dir.resolve(ID_FILE), text.getBytes(StandardCharsets.UTF_8));
    LOG.info("created data directory {} for new replica {}", dir, id);
  }

  private static ReplicaId readIdentity(Path idFile) throws StoreException {
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
    if (!format.equals(Integer.toString(FORMAT))) {
      throw new StoreException(StoreException.Reason.UNKNOWN_FORMAT, idFile,
          idFile + " has format version " + format + "; this build reads version " + FORMAT);
    }
    try {
      return ReplicaId.parse(lines.get(2).substring("replica ".length()));
    } catch (IllegalArgumentException e) {
      throw new StoreException(StoreException.Reason.CORRUPT, idFile,
          idFile + " holds a bad replica id", e);
    }
  }

  // ---- writing ----------------------------------------------------------------------------------

  @Override
  public Replica replica() {
    return replica;
  }

  /** Counters since open: journal records and fsyncs (their ratio is the group-commit batch). */
  public StoreStats stats() {
    return new StoreStats(journal.appendedRecords(), journal.fsyncs(), checkpoints);
  }

  /** What opening this store found and repaired. */
  public RecoveryReport recoveryReport() {
    return report;
  }

  @Override
  public CompletableFuture<Document> update(String key, Function<Document, Document> mutation) {
    checkKey(key);
    try {
      checkUsable();
      awaitBacklog();
      if (reserved - replica.lastCounter() < RESERVE_BLOCK / 2) {
        reserveAbove(replica.lastCounter());
      }
      synchronized (stripe(key)) {
        Document doc = cache.getIfPresent(key);
        boolean cached = doc != null;
        if (!cached) {
          doc = loadLocked(key);
          if (doc == null) {
            doc = Document.empty();
          }
        }
        doc.bind(replica);
        Document delta;
        try {
          delta = mutation.apply(doc);
          if (delta == null) {
            throw new IllegalArgumentException("the mutation returned no delta");
          }
        } catch (RuntimeException e) {
          // The document may be half mutated: forget it, disk has the truth.
          cache.invalidate(key);
          return CompletableFuture.failedFuture(e);
        }
        if (replica.lastCounter() > reserved) {
          reserveAbove(replica.lastCounter());
        }
        if (delta.context().isEmpty()) {
          return CompletableFuture.completedFuture(delta);
        }
        Journal.Appended a = journalDelta(key, delta);
        if (!cached) {
          cache.put(key, doc);
        }
        return a.durable().thenApply(v -> delta);
      }
    } catch (StoreException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public CompletableFuture<Void> applyRemote(String key, Document delta) {
    checkKey(key);
    try {
      checkUsable();
      awaitBacklog();
      synchronized (stripe(key)) {
        Journal.Appended a = journalDelta(key, delta);
        Document cached = cache.getIfPresent(key);
        if (cached != null) {
          cached.join(delta);
        }
        return a.durable();
      }
    } catch (StoreException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** Appends a delta record and adds it to the overlay; the caller holds the key's stripe. */
  private Journal.Appended journalDelta(String key, Document delta) throws StoreException {
    byte[] bytes = CrdtCodec.encode(delta);
    byte[] keyBytes = key.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length + keyBytes.length + 16);
    out.write(DELTA);
    out.writeBytes(ByteBuffer.allocate(8).putLong(replica.clock().last()).array());
    MapDbFile.writeVarint(out, keyBytes.length);
    out.writeBytes(keyBytes);
    out.writeBytes(bytes);
    CausalContext deltaContext = delta.context();
    viewLock.readLock().lock();
    try {
      Journal.Appended a = journal.append(out.toByteArray(),
          options.durability == Durability.DURABLE);
      overlay.computeIfAbsent(key, k -> new ArrayList<>(2));
      List<OverlayRecord> recs = overlay.get(key);
      synchronized (recs) {
        recs.add(new OverlayRecord(a.position(), bytes));
      }
      synchronized (backlogLock) {
        overlayBytes += bytes.length + keyBytes.length + 32;
      }
      synchronized (liveContext) {
        liveContext.addAll(deltaContext);
      }
      if (a.end() - files[current].position > options.checkpointBytes) {
        synchronized (checkpointWake) {
          checkpointWake.notifyAll();
        }
      }
      return a;
    } finally {
      viewLock.readLock().unlock();
    }
  }

  /** Reserves dot counters up to {@code above + RESERVE_BLOCK}, durably, before they are used. */
  private void reserveAbove(long above) throws StoreException {
    synchronized (reserveLock) {
      if (reserved - above >= RESERVE_BLOCK / 2) {
        return;
      }
      long next = above + RESERVE_BLOCK;
      ByteBuffer b = ByteBuffer.allocate(17).put(RESERVE).putLong(next)
          .putLong(replica.clock().last());
      Journal.Appended a = journal.append(b.array(), true);
      a.durable().join();
      reserved = next;
    }
  }

  private void awaitBacklog() throws StoreException {
    synchronized (backlogLock) {
      while (overlayBytes > options.maxBacklogBytes) {
        checkUsable();
        synchronized (checkpointWake) {
          checkpointWake.notifyAll();
        }
        try {
          backlogLock.wait(100);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new StoreException(StoreException.Reason.FAILED, dir, "interrupted", e);
        }
      }
    }
  }

  // ---- reading ----------------------------------------------------------------------------------

  /** The live document, from the cache or disk (current file plus overlay); null if absent. */
  private Document loadLocked(String key) {
    Document cached = cache.getIfPresent(key);
    if (cached != null) {
      return cached;
    }
    viewLock.readLock().lock();
    try {
      MapDbFile f = files[current];
      Document doc = f.load(key);
      List<OverlayRecord> recs = overlay.get(key);
      if (recs != null) {
        synchronized (recs) {
          for (OverlayRecord rec : recs) {
            if (doc == null) {
              doc = Document.empty();
            }
            doc.join(CrdtCodec.decodeDocument(rec.delta));
          }
        }
      }
      return doc;
    } catch (CodecException | RuntimeException e) {
      Path file = dir.resolve(SLOT_FILES[current]);
      throw new UncheckedIOException(new StoreException(StoreException.Reason.CORRUPT, file,
          "document " + key + " cannot be read from " + file + ": " + e, e));
    } finally {
      viewLock.readLock().unlock();
    }
  }

  @Override
  public Optional<Document> get(String key) {
    checkKey(key);
    synchronized (stripe(key)) {
      Document doc = cache.getIfPresent(key);
      if (doc == null) {
        doc = loadLocked(key);
        if (doc == null) {
          return Optional.empty();
        }
        cache.put(key, doc);
      }
      return Optional.of(doc.copy());
    }
  }

  @Override
  public KeyPage list(String prefix, String after, int limit) {
    if (limit <= 0) {
      throw new IllegalArgumentException("limit must be positive: " + limit);
    }
    List<String> out = new ArrayList<>(Math.min(limit, 1024));
    viewLock.readLock().lock();
    try {
      Iterator<String> a = files[current].keys(prefix, after);
      String from = after == null || after.compareTo(prefix) < 0 ? prefix : after;
      boolean inclusive = after == null || after.compareTo(prefix) < 0;
      Iterator<String> b = overlay.tailMap(from, inclusive).keySet().iterator();
      String x = a.hasNext() ? a.next() : null;
      String y = nextWithPrefix(b, prefix);
      while (out.size() < limit && (x != null || y != null)) {
        String k;
        if (y == null || (x != null && x.compareTo(y) <= 0)) {
          k = x;
          if (y != null && x.equals(y)) {
            y = nextWithPrefix(b, prefix);
          }
          x = a.hasNext() ? a.next() : null;
        } else {
          k = y;
          y = nextWithPrefix(b, prefix);
        }
        out.add(k);
      }
      boolean more = x != null || y != null;
      return new KeyPage(out, more && !out.isEmpty() ? out.get(out.size() - 1) : null);
    } finally {
      viewLock.readLock().unlock();
    }
  }

  private static String nextWithPrefix(Iterator<String> it, String prefix) {
    if (!it.hasNext()) {
      return null;
    }
    String k = it.next();
    return k.startsWith(prefix) ? k : null;
  }

  @Override
  public long count() {
    viewLock.readLock().lock();
    try {
      MapDbFile f = files[current];
      long n = f.count();
      for (String k : overlay.keySet()) {
        if (!f.contains(k)) {
          n++;
        }
      }
      return n;
    } finally {
      viewLock.readLock().unlock();
    }
  }

  @Override
  public long sizeOnDisk() {
    long total = 0;
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        if (Files.isRegularFile(p)) {
          total += Files.size(p);
        }
      }
    } catch (IOException | UncheckedIOException e) {
      LOG.debug("size of {} is approximate", dir, e);
    }
    return total;
  }

  @Override
  public CausalContext context() {
    synchronized (liveContext) {
      return liveContext.copy();
    }
  }

  @Override
  public CloseableIterator<KeyedDelta> changedSince(CausalContext remote) {
    return new SyncIterator(remote.copy());
  }

  /**
   * The sync query, in bounded memory: first the documents in the overlay (changed since the last
   * checkpoint; a bounded set), then per replica r the dot index from the first counter of r that
   * {@code remote} lacks. A document found under several replicas is returned under the first
   * (checked against its indexed context), unless a checkpoint changed the view meanwhile, when
   * a duplicate is preferred to a miss.
   */
  private final class SyncIterator implements CloseableIterator<KeyedDelta> {
    private static final int BATCH = 256;
    private final CausalContext remote;
    private final Map<ReplicaId, Long> starts = new HashMap<>();
    private final List<ReplicaId> replicas = new ArrayList<>();
    private final TreeSet<String> overlayKeys;
    private final Iterator<String> overlayIt;
    private final int startGeneration;
    private int replicaIndex;
    private long cursorCounter;
    private String cursorKey;
    private boolean replicaDone;
    private final ArrayDeque<String> candidates = new ArrayDeque<>();
    private KeyedDelta next;

    SyncIterator(CausalContext remote) {
      this.remote = remote;
      remote.forEachRange((r, lo, hi) -> starts.putIfAbsent(r, lo == 1 ? hi + 1 : 1));
      viewLock.readLock().lock();
      try {
        overlayKeys = new TreeSet<>(overlay.keySet());
        startGeneration = viewGeneration;
      } finally {
        viewLock.readLock().unlock();
      }
      TreeSet<ReplicaId> rs = new TreeSet<>((a, b) -> Long.compare(a.value(), b.value()));
      synchronized (liveContext) {
        rs.addAll(liveContext.replicas());
      }
      replicas.addAll(rs);
      overlayIt = overlayKeys.iterator();
      startReplica();
    }

    private long start(ReplicaId r) {
      return starts.getOrDefault(r, 1L);
    }

    private void startReplica() {
      if (replicaIndex < replicas.size()) {
        cursorCounter = start(replicas.get(replicaIndex));
        cursorKey = null;
        replicaDone = false;
      }
    }

    @Override
    public boolean hasNext() {
      while (next == null) {
        String key = nextCandidate();
        if (key == null) {
          return false;
        }
        synchronized (stripe(key)) {
          Document doc = loadLocked(key);
          if (doc != null && !doc.context().isSubsetOf(remote)) {
            next = new KeyedDelta(key, doc.deltaSince(remote));
          }
        }
      }
      return true;
    }

    private String nextCandidate() {
      if (overlayIt.hasNext()) {
        return overlayIt.next();
      }
      while (candidates.isEmpty()) {
        if (replicaIndex >= replicas.size()) {
          return null;
        }
        if (replicaDone) {
          replicaIndex++;
          startReplica();
          continue;
        }
        fetchBatch();
      }
      return candidates.poll();
    }

    private void fetchBatch() {
      ReplicaId r = replicas.get(replicaIndex);
      viewLock.readLock().lock();
      try {
        MapDbFile f = files[current];
        boolean sameView = viewGeneration == startGeneration;
        List<Object[]> batch = f.dotsFrom(r.value(), cursorCounter, cursorKey, BATCH);
        if (batch.size() < BATCH) {
          replicaDone = true;
        }
        for (Object[] e : batch) {
          cursorCounter = (Long) e[1];
          cursorKey = (String) e[2];
          String key = cursorKey;
          if (overlayKeys.contains(key)) {
            continue;
          }
          if (sameView && replicaIndex > 0 && foundEarlier(f, key)) {
            continue;
          }
          candidates.add(key);
        }
      } finally {
        viewLock.readLock().unlock();
      }
    }

    private boolean foundEarlier(MapDbFile f, String key) {
      Map<ReplicaId, Long> newest = f.newest(key);
      if (newest == null) {
        return false;
      }
      for (int j = 0; j < replicaIndex; j++) {
        ReplicaId rj = replicas.get(j);
        if (newest.getOrDefault(rj, 0L) >= start(rj)) {
          return true;
        }
      }
      return false;
    }

    @Override
    public KeyedDelta next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      KeyedDelta out = next;
      next = null;
      return out;
    }

    @Override
    public void close() {
      candidates.clear();
      replicaIndex = replicas.size();
      while (overlayIt.hasNext()) {
        overlayIt.next();
      }
    }
  }

  // ---- checkpoints ------------------------------------------------------------------------------

  private void checkpointLoop() {
    long intervalMillis = Math.max(1, options.checkpointInterval.toMillis());
    while (!closing) {
      synchronized (checkpointWake) {
        if (journal.durablePosition() - files[current].position < options.checkpointBytes
            && overlayBytes <= options.maxBacklogBytes) {
          try {
            checkpointWake.wait(intervalMillis);
          } catch (InterruptedException e) {
            return;
          }
        }
      }
      if (closing) {
        return;
      }
      try {
        checkpoint();
      } catch (IOException | RuntimeException e) {
        fail(e);
        return;
      }
    }
  }

  /**
   * Brings the standby file up to the journal's durable end and makes it current. Only the
   * checkpointer thread (or close, after it stopped) calls this.
   */
  private void checkpoint() throws IOException {
    synchronized (checkpointLock) {
      checkpointLocked();
    }
  }

  /** Takes a checkpoint now (tests). */
  void checkpointForTests() throws IOException {
    checkpoint();
  }

  private void checkpointLocked() throws IOException {
    long target = journal.durablePosition();
    int s = 1 - current;
    MapDbFile standby = files[s];
    if (standby.position >= target) {
      return;
    }
    Path manifestPath = dir.resolve(MANIFEST_FILE);
    synchronized (manifestLock) {
      manifest = manifest.with(s, new Manifest.Slot(false, standby.position,
          manifest.slots()[s].generation()));
      manifest.write(manifestPath);
    }
    long from = standby.position;
    long t0 = System.nanoTime();
    int[] applied = {0};
    // Deltas are grouped per document in chunks, so each document's meta is read and written
    // once per chunk; the order of one document's deltas is kept.
    Map<String, List<byte[]>> chunk = new java.util.LinkedHashMap<>();
    Map<String, List<CausalContext>> contexts = new HashMap<>();
    int[] chunkSize = {0};
    journal.read(from, target, (pos, end, payload) -> {
      ByteBuffer b = ByteBuffer.wrap(payload);
      byte type = b.get();
      if (type == DELTA) {
        long clock = b.getLong();
        int keyLen = (int) MapDbFile.readVarint(b);
        String key = new String(payload, b.position(), keyLen, StandardCharsets.UTF_8);
        b.position(b.position() + keyLen);
        byte[] delta = new byte[b.remaining()];
        b.get(delta);
        CausalContext context;
        try {
          context = CrdtCodec.decodeDocument(delta).context();
        } catch (CodecException e) {
          throw new IOException("journal record at " + pos + " holds a bad delta", e);
        }
        chunk.computeIfAbsent(key, k -> new ArrayList<>()).add(delta);
        contexts.computeIfAbsent(key, k -> new ArrayList<>()).add(context);
        standby.observeClock(clock);
        if (++chunkSize[0] >= 4096) {
          applyChunk(standby, chunk, contexts);
          chunkSize[0] = 0;
        }
      } else if (type == RESERVE) {
        standby.applyReservation(b.getLong(), b.getLong());
      }
      applied[0]++;
      CrashPoints.at(CrashPoints.MAPDB_APPLY);
    });
    applyChunk(standby, chunk, contexts);
    standby.position = target;
    long t1 = System.nanoTime();
    standby.commit();
    checkpoints++;
    long t2 = System.nanoTime();
    synchronized (manifestLock) {
      manifest = manifest.with(s, new Manifest.Slot(true, target,
          manifest.slots()[s].generation() + 1));
      manifest.write(manifestPath);
    }
    int old = current;
    viewLock.writeLock().lock();
    try {
      current = s;
      viewGeneration++;
      long freed = 0;
      for (Iterator<Map.Entry<String, List<OverlayRecord>>> it = overlay.entrySet().iterator();
          it.hasNext(); ) {
        Map.Entry<String, List<OverlayRecord>> e = it.next();
        List<OverlayRecord> recs = e.getValue();
        synchronized (recs) {
          for (Iterator<OverlayRecord> ri = recs.iterator(); ri.hasNext(); ) {
            OverlayRecord rec = ri.next();
            if (rec.position < target) {
              ri.remove();
              freed += rec.delta.length + e.getKey().length() + 32;
            }
          }
          if (recs.isEmpty()) {
            it.remove();
          }
        }
      }
      synchronized (backlogLock) {
        overlayBytes -= freed;
        backlogLock.notifyAll();
      }
    } finally {
      viewLock.writeLock().unlock();
    }
    journal.deleteBefore(Math.min(files[old].position, target));
    if (LOG.isDebugEnabled()) {
      LOG.debug("checkpoint into {}: {} records, {} bytes of journal, apply {} ms, commit {} ms,"
          + " total {} ms", SLOT_FILES[s], applied[0], target - from, (t1 - t0) / 1_000_000,
          (t2 - t1) / 1_000_000, (System.nanoTime() - t0) / 1_000_000);
    }
  }

  private static void applyChunk(MapDbFile f, Map<String, List<byte[]>> chunk,
      Map<String, List<CausalContext>> contexts) throws IOException {
    try {
      for (Map.Entry<String, List<byte[]>> e : chunk.entrySet()) {
        f.applyDeltas(e.getKey(), e.getValue(), contexts.get(e.getKey()));
      }
    } catch (CodecException e) {
      throw new IOException("a stored document of " + f.path + " does not decode", e);
    }
    chunk.clear();
    contexts.clear();
  }

  private void onRoll(long base) {
    synchronized (manifestLock) {
      manifest = manifest.withLastSegment(base);
      try {
        manifest.write(dir.resolve(MANIFEST_FILE));
      } catch (IOException e) {
        fail(e);
      }
    }
  }

  // ---- lifecycle --------------------------------------------------------------------------------

  @Override
  public void flush() {
    try {
      journal.flush();
    } catch (StoreException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void fail(Throwable e) {
    if (failure == null) {
      failure = e;
      LOG.error("store {} failed; it accepts no more writes", dir, e);
    }
  }

  private void checkUsable() throws StoreException {
    if (closing) {
      throw new StoreException(StoreException.Reason.FAILED, dir, "the store " + dir
          + " is closed");
    }
    if (failure != null) {
      throw new StoreException(StoreException.Reason.FAILED, dir, "the store " + dir + " failed",
          failure);
    }
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    closing = true;
    synchronized (checkpointWake) {
      checkpointWake.notifyAll();
    }
    try {
      checkpointer.join(TimeUnit.MINUTES.toMillis(5));
      journal.close();
      if (failure == null) {
        // Bring both files up to date, so the next open replays nothing and copies nothing.
        checkpoint();
        checkpoint();
      }
    } catch (IOException | RuntimeException e) {
      LOG.error("closing {} failed; the next open recovers from the journal", dir, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      for (MapDbFile f : files) {
        try {
          f.close();
        } catch (RuntimeException e) {
          LOG.warn("closing {} failed", f.path, e);
        }
      }
      try {
        lock.release();
        lockChannel.close();
      } catch (IOException e) {
        LOG.warn("releasing the lock of {} failed", dir, e);
      }
    }
  }

  /**
   * Stops like a crash after the last fsync, for tests: no checkpoint, files closed as they are,
   * lock released. What is journaled but not checkpointed stays only in the journal.
   */
  synchronized void abandonForTests() throws IOException {
    closed = true;
    closing = true;
    synchronized (checkpointWake) {
      checkpointWake.notifyAll();
    }
    try {
      checkpointer.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    journal.close();
    for (MapDbFile f : files) {
      f.close();
    }
    lock.release();
    lockChannel.close();
  }

  // ---- helpers ----------------------------------------------------------------------------------

  private Object stripe(String key) {
    return stripes[(key.hashCode() * 0x9E3779B9 >>> 24) & (STRIPES - 1)];
  }

  private static void checkKey(String key) {
    if (key == null || key.isEmpty()) {
      throw new IllegalArgumentException("key must be a non-empty string");
    }
    if (key.length() * 3 > MAX_KEY_BYTES
        && key.getBytes(StandardCharsets.UTF_8).length > MAX_KEY_BYTES) {
      throw new IllegalArgumentException("key longer than " + MAX_KEY_BYTES + " UTF-8 bytes");
    }
  }

  /** The position each file holds, for tests. */
  long[] positions() {
    return new long[] {files[0].position, files[1].position};
  }

  ConcurrentNavigableMap<String, ?> overlayForTests() {
    return overlay;
  }
}
