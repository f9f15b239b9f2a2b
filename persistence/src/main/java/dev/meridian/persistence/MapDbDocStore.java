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
import dev.meridian.crdt.map.OrMap;
import dev.meridian.crdt.store.DotMap;
import java.io.IOException;
import java.io.UncheckedIOException;
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
   * [6] A write records every event its mutation made, whatever delta the mutation returned: the
   *     dots minted for the document during the call (those it has seen, counters above the
   *     replica's counter before the call; the stripe lock keeps other writers of it out), and the
   *     journal gets the document's delta for exactly those. A mutation that throws keeps none of
   *     its changes; the dots it minted are void. They ride in the context of the next local
   *     write's delta, whatever its key (no content; a keyed, empty store removes nothing), so the
   *     store's context, which every Hello and Ack carries, stays one range per replica instead
   *     of gaining a range per rejected request. Not a record of their own: a rejected request
   *     costs no journal write or sync round. A crash before the next write leaves the gap.
   */
  private static final Logger LOG = LoggerFactory.getLogger(MapDbDocStore.class);

  static final String LOCK_FILE = "LOCK";
  static final String ID_FILE = "meridian.id";
  static final String MANIFEST_FILE = "manifest";
  static final String JOURNAL_DIR = "journal";
  static final String[] SLOT_FILES = {"store-a.mapdb", "store-b.mapdb"};
  static final int FORMAT = 1;
  static final long RESERVE_BLOCK = 1L << 20;
  private static final int MAX_KEY_BYTES = 1024;
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
  private final Object voidLock = new Object();
  /** Dots minted by updates that failed, not yet journalled (design note [6]); under voidLock. */
  private CausalContext voided = new CausalContext();
  /** True while {@link #voided} may be non-empty; read without the lock on every write. */
  private volatile boolean anyVoided;
  private volatile long reserved;

  private final Thread checkpointer;
  private final Object checkpointWake = new Object();
  private final Object checkpointLock = new Object();
  private volatile long checkpoints;
  private volatile boolean closing;
  private volatile Throwable failure;
  private boolean closed;

  /** A journal record past the current MapDB file's position. */
  record OverlayRecord(long position, byte[] delta) {}

  /** Bytes an overlay record is counted for, against maxBacklogBytes. */
  static long overlayWeight(String key, byte[] delta) {
    return delta.length + 2L * key.length() + 48;
  }

  private MapDbDocStore(StoreOptions options, FileChannel lockChannel, FileLock lock,
      Recovery.Recovered r) {
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
      Recovery.Recovered r = Recovery.recover(options);
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

  // ---- writing ----------------------------------------------------------------------------------

  @Override
  public Replica replica() {
    return replica;
  }

  /** Counters since open: journal records and fsyncs (their ratio is the group-commit batch). */
  public StoreStats stats() {
    return new StoreStats(journal.appendedRecords(), journal.fsyncs(), checkpoints,
        bytesUnder(dir.resolve(JOURNAL_DIR)), overlayBytes);
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
        long before = replica.lastCounter();
        try {
          Document returned = mutation.apply(doc);
          if (returned == null) {
            throw new IllegalArgumentException("the mutation returned no delta");
          }
          long after = replica.lastCounter();
          if (after > reserved) {
            reserveAbove(after);
          }
          CausalContext minted = mintedFor(doc, before, after);
          if (minted.isEmpty()) {
            return CompletableFuture.completedFuture(Document.empty());
          }
          Document delta = withVoided(doc, recordedDelta(doc, returned, minted));
          Journal.Appended a = journalDelta(key, delta);
          if (!cached) {
            cache.put(key, doc);
          }
          return a.durable().thenApply(v -> delta);
        } catch (RuntimeException | Error | StoreException e) {
          // The document may be half mutated, or mutated and not journalled: forget it, disk has
          // the truth. The dots it minted are void (design note [6]).
          CausalContext minted = mintedFor(doc, before, replica.lastCounter());
          cache.invalidate(key);
          if (!minted.isEmpty()) {
            synchronized (voidLock) {
              voided.addAll(minted);
              anyVoided = true;
            }
          }
          throw e;
        }
      }
    } catch (StoreException | RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * {@code delta} with the void dots so far in its context (and no content for them), so they are
   * journalled and shipped with a real write rather than on their own (design note [6]); {@code
   * doc}, the cached document the delta was made from, gets them too, as a reload would.
   */
  private Document withVoided(Document doc, Document delta) {
    if (!anyVoided) {
      return delta; // the common case, without taking the lock
    }
    CausalContext v;
    synchronized (voidLock) {
      if (voided.isEmpty()) {
        return delta;
      }
      v = voided;
      voided = new CausalContext();
      anyVoided = false;
    }
    // Keyed and empty: it removes nothing and leaves the delta's keyed flag as it is.
    Document none = Document.of(OrMap.of(new DotMap<>(), v, true));
    delta.join(none);
    doc.join(none);
    return delta;
  }

  /**
   * This replica's dots that {@code doc} has seen with counters in {@code (before, after]}: the
   * dots minted for it by the mutation that just ran under its stripe lock. Other threads mint in
   * that counter range too, for other documents, which never see those dots.
   */
  private CausalContext mintedFor(Document doc, long before, long after) {
    ReplicaId self = replica.id();
    CausalContext seen = doc.map().liveContext();
    CausalContext minted = new CausalContext();
    for (long c = before + 1; c <= after; c++) {
      if (seen.contains(self, c)) {
        minted.addRange(self, c, c);
      }
    }
    return minted;
  }

  /**
   * The delta to record for a mutation of {@code doc} that minted {@code minted} and returned
   * {@code returned}: the returned delta when it holds every minted event (the common case), or
   * else {@code doc}'s own delta for them (design note [6]).
   */
  private static Document recordedDelta(Document doc, Document returned, CausalContext minted) {
    if (returned != doc && minted.isSubsetOf(returned.context())) {
      return returned;
    }
    return doc.deltaSince(doc.context().minus(minted));
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
          try {
            cached.join(delta);
          } catch (RuntimeException | Error e) {
            // Half joined: the journal has the delta, so a reload is right; the copy is not.
            cache.invalidate(key);
            throw e;
          }
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
    byte[] record = JournalRecords.delta(replica.clock().last(), key, bytes);
    CausalContext deltaContext = delta.context();
    viewLock.readLock().lock();
    try {
      Journal.Appended a = journal.append(record, options.durability == Durability.DURABLE);
      overlay.computeIfAbsent(key, k -> new ArrayList<>(2));
      List<OverlayRecord> recs = overlay.get(key);
      synchronized (recs) {
        recs.add(new OverlayRecord(a.position(), bytes));
      }
      synchronized (backlogLock) {
        overlayBytes += overlayWeight(key, bytes);
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
      Journal.Appended a = journal.append(JournalRecords.reserve(next, replica.clock().last()),
          true);
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
    return read(key, true);
  }

  /**
   * {@inheritDoc}
   *
   * <p>A document not in the cache is read from disk and not cached, so a scan of many documents
   * (a list) neither evicts the hot ones nor pays the cache's weighing of each.
   */
  @Override
  public Optional<Document> peek(String key) {
    return read(key, false);
  }

  /** A read-only copy of the document; one read from disk goes into the cache if {@code keep}. */
  private Optional<Document> read(String key, boolean keep) {
    checkKey(key);
    checkOpen();
    synchronized (stripe(key)) {
      Document doc = cache.getIfPresent(key);
      if (doc != null) {
        return Optional.of(doc.copy());
      }
      doc = loadLocked(key);
      if (doc == null) {
        return Optional.empty();
      }
      if (!keep) {
        return Optional.of(doc); // loaded for this call alone: no copy needed
      }
      cache.put(key, doc);
      return Optional.of(doc.copy());
    }
  }

  @Override
  public KeyPage list(String prefix, String after, int limit) {
    if (limit <= 0) {
      throw new IllegalArgumentException("limit must be positive: " + limit);
    }
    checkOpen();
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
    checkOpen();
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
    return bytesUnder(dir);
  }

  /** The bytes of the regular files under {@code root} (approximate while files change). */
  private static long bytesUnder(Path root) {
    long total = 0;
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        if (Files.isRegularFile(p)) {
          total += Files.size(p);
        }
      }
    } catch (IOException | UncheckedIOException e) {
      LOG.debug("size of {} is approximate", root, e);
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
    checkOpen();
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
      JournalRecords.Entry entry;
      try {
        entry = JournalRecords.parse(payload);
      } catch (IllegalArgumentException e) {
        throw new IOException("journal record at " + pos + ": " + e.getMessage(), e);
      }
      if (entry instanceof JournalRecords.Delta d) {
        CausalContext context;
        try {
          context = CrdtCodec.decodeDocument(d.delta()).context();
        } catch (CodecException e) {
          throw new IOException("journal record at " + pos + " holds a bad delta", e);
        }
        chunk.computeIfAbsent(d.key(), k -> new ArrayList<>()).add(d.delta());
        contexts.computeIfAbsent(d.key(), k -> new ArrayList<>()).add(context);
        standby.observeClock(d.clock());
        if (++chunkSize[0] >= 4096) {
          applyChunk(standby, chunk, contexts);
          chunkSize[0] = 0;
        }
      } else if (entry instanceof JournalRecords.Reserve res) {
        standby.applyReservation(res.counter(), res.clock());
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
              freed += overlayWeight(e.getKey(), rec.delta);
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

  private void checkOpen() {
    if (closing) {
      throw new IllegalStateException("the store " + dir + " is closed");
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
    // Keys are stored as UTF-8: an unpaired surrogate would become '?' and two keys one.
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < key.length()
          && Character.isLowSurrogate(key.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        throw new IllegalArgumentException("key holds an unpaired surrogate at index " + i);
      }
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
