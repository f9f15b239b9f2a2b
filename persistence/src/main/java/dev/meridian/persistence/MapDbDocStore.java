package dev.meridian.persistence;

import dev.meridian.crdt.doc.KeyedDelta;
import dev.meridian.crdt.Replica;
import dev.meridian.crdt.ReplicaId;
import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.clock.HybridClock;
import dev.meridian.crdt.doc.Document;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link DocStore} of one replica on disk: a checksummed journal that acknowledges writes, and
 * two MapDB files that take checkpoints from it in turn.
 *
 * <p>Open with {@link #open(StoreOptions)}; the directory is created (with a new random replica id)
 * or recovered. Recovery never needs a manual step after a crash or a power cut: a MapDB file that
 * a crash left mid-checkpoint is restored from the other one, a torn last journal batch is dropped,
 * and the journal is replayed from the position the newest clean file holds. Anything it cannot
 * restore without losing an acknowledged write stops the open with a {@link StoreException}
 * naming the file.
 *
 * <p><b>Visibility.</b> A write (local or remote) is seen by readers, by the sync query and in
 * {@link #context()}, and announced to {@link #subscribe subscribers}, only once its journal
 * record is fsynced; a read of a document whose last write is not yet fsynced waits for that fsync
 * (a few milliseconds). <b>A failed fsync fails the store closed</b>: the writers of the failed
 * batch get an error, nothing of it is ever seen, and every later read and write is refused until
 * the store is reopened (which recovers what is durable).
 */
public final class MapDbDocStore implements DocStore {
  /*
   * Design notes (see DESIGN.md, "Persistence").
   * [1] Parts: Journal (append, group commit; its committer and notifier threads), JournalFiles
   *     (formats, recovery scan), View (current MapDB file + overlay), Checkpointer (its thread,
   *     the manifest), SyncQuery, DocCache, DataDirLock, Recovery; Writes (the write path and
   *     what becomes visible at the fsync), DocReads (reads that wait for it), StoreState
   *     (closed or failed, and why). This class composes them and owns the lifecycle.
   * [2] Ack = journal fsync. MapDB is never trusted on its own (MapDB 3.1's WAL is not replayed
   *     on open), so the files run without transactions and the journal is the WAL.
   * [3] Visibility after fsync: every journal append of a document records its end position in
   *     `pending`; a reader holding the key's stripe lock waits until the journal is durable
   *     there, and no write of that key can start meanwhile, so it never sees an unsynced change.
   *     `context` grows on the journal's notifier thread, after the fsync, by each record's
   *     context; local writes are announced there too, before their futures complete.
   * [4] The local-write rule is crdt-core's LocalWrite: it yields the delta (every event the
   *     mutation made), the events and the void dots. A failed mutation is discarded: the cached
   *     copy is dropped, so the next read reloads the durable state.
   * [5] Void dots (minted, held by no document) join `context` at once and ride in the context of
   *     the next local write's delta, whatever its key, so peers learn them and contexts stay one
   *     range per replica. Since nothing is seen before its fsync, every dot of this replica from
   *     `voidSafeFrom` up to the reservation that no durable record holds was never seen by
   *     anyone: open declares those gaps void (a restart's unused reservation, failed writes not
   *     yet ridden). Directories migrated from format 1 start voidSafeFrom at their reservation.
   * [6] Dot counters: a reservation record in the journal, fsynced before any dot above the
   *     previous reservation is handed out; a restart resumes above the highest reservation.
   * [7] A remote delta is joined into the document before it is journalled: one that fails to
   *     join is refused and never reaches the journal or the checkpoints.
   * Threads and locks. Callers' threads write and read under a key's stripe lock; the journal's
   * committer writes and fsyncs; its notifier runs onDurable (context, pending, subscribers); the
   * checkpointer applies the journal to MapDB. Lock order: stripe lock, then reserveLock, then
   * any of the view's read lock, the journal's lock, `context`, `voidLock`. The notifier and the
   * checkpointer take no stripe lock (subscribers may read, which takes one with nothing held).
   * The store's own monitor is held only by close() and crash(), which wait for the journal's
   * threads to stop: those threads never take it (a failure is recorded in StoreState, under a leaf lock).
   */
  private static final Logger LOG = LoggerFactory.getLogger(MapDbDocStore.class);

  static final String LOCK_FILE = DataDirLock.LOCK_FILE;
  static final String ID_FILE = "meridian.id";
  static final String MANIFEST_FILE = "manifest";
  static final String JOURNAL_DIR = "journal";
  static final String[] SLOT_FILES = {"store-a.mapdb", "store-b.mapdb"};
  static final int FORMAT = 2;
  static final long RESERVE_BLOCK = DotLedger.RESERVE_BLOCK;

  private final StoreOptions options;
  private final Path dir;
  private final DataDirLock dirLock;
  private final Replica replica;
  private final Journal journal;
  private final RecoveryReport report;
  private final View view;
  private final Checkpointer checkpointer;
  private final DocCache cache;
  private final KeyLocks keys;
  private final List<Consumer<KeyedDelta>> subscribers = new CopyOnWriteArrayList<>();
  /** Every durable event and every void dot of this replica (design notes [3], [5]). */
  private final CausalContext context;
  private final DotLedger dots;
  private final StoreState state;
  private final DocReads reads;
  private final Writes writes;
  private boolean closed;

  private MapDbDocStore(StoreOptions options, DataDirLock dirLock, Recovery.Recovered r) {
    this.options = options;
    this.dir = options.directory;
    this.dirLock = dirLock;
    this.context = r.liveContext;
    this.journal = r.journal;
    this.report = r.report;
    HybridClock clock = new HybridClock(options.wallMillis);
    clock.observe(r.clock);
    this.replica = Replica.resume(r.replicaId, r.reserved, clock);
    this.state = new StoreState(dir);
    this.dots = new DotLedger(journal, replica, r.reserved, context);
    this.keys = new KeyLocks(journal);
    this.cache = new DocCache(options.cacheBytes);
    this.view = new View(r.files, r.current, r.overlay, r.overlayBytes);
    this.checkpointer = new Checkpointer(dir, options, journal, view, r.manifest, this::fail);
    this.reads = new DocReads(dir, replica, view, cache, keys, state);
    this.writes = new Writes(options, replica, journal, view, checkpointer, cache, keys, dots,
        reads, state, subscribers, context);
    r.onRollHook = checkpointer::onRoll;
    r.listenerHook = new Journal.Listener() {
      @Override
      public void durable(List<Object> attachments) {
        writes.onDurable(attachments);
      }

      @Override
      public void failed(IOException cause) {
        fail(cause);
      }
    };
    dots.declareVoid(r.voidSafeFrom);
  }

  // ---- opening ----------------------------------------------------------------------------------

  /**
   * Opens the store in {@code options.directory()}: creates it (a new random replica id) if it is
   * absent or empty, else recovers it (a directory of format 1 is migrated on open).
   *
   * @throws StoreException if the directory is locked, of an unknown format, or holds a file that
   *     is foreign, corrupt or missing and cannot be restored without losing a write
   */
  public static MapDbDocStore open(StoreOptions options) throws IOException {
    Path dir = options.directory;
    Files.createDirectories(dir);
    DataDirLock lock = DataDirLock.take(dir);
    try {
      Recovery.Recovered r = Recovery.recover(options);
      MapDbDocStore store = new MapDbDocStore(options, lock, r);
      try {
        store.dots.reserveAbove(store.replica.lastCounter());
      } catch (IOException | RuntimeException | Error e) {
        try {
          store.crash(); // stops its journal threads and closes its files (and the lock)
        } catch (IOException | RuntimeException suppressed) {
          e.addSuppressed(suppressed);
        }
        throw e;
      }
      if (!options.byHand) {
        store.checkpointer.start();
      }
      LOG.info("opened {} as replica {}: {}", dir, store.replica.id(), r.report);
      return store;
    } catch (IOException | RuntimeException | Error e) {
      lock.close();
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
    return new StoreStats(journal.appendedRecords(), journal.fsyncs(), checkpointer.checkpoints(),
        Storage.bytesUnder(dir.resolve(JOURNAL_DIR)), view.overlayBytes(), reads.syncReads());
  }

  /** What opening this store found and repaired. */
  public RecoveryReport recoveryReport() {
    return report;
  }

  @Override
  public AutoCloseable subscribe(Consumer<KeyedDelta> durableLocalWrites) {
    subscribers.add(java.util.Objects.requireNonNull(durableLocalWrites, "listener"));
    return () -> subscribers.remove(durableLocalWrites);
  }

  @Override
  public CompletableFuture<Document> update(String key, Function<Document, Document> mutation) {
    return writes.update(key, mutation);
  }

  @Override
  public CompletableFuture<Void> applyRemote(String key, Document delta) {
    return writes.applyRemote(key, delta);
  }

  // ---- reading ----------------------------------------------------------------------------------

  @Override
  public Optional<Document> get(String key) {
    return reads.read(key, true);
  }

  /**
   * {@inheritDoc}
   *
   * <p>A document not in the cache is read from disk and not cached, so a scan of many documents
   * (a list) does not evict the hot ones.
   */
  @Override
  public Optional<Document> peek(String key) {
    return reads.read(key, false);
  }

  @Override
  public KeyPage list(String prefix, String after, int limit) {
    if (limit <= 0) {
      throw new IllegalArgumentException("limit must be positive: " + limit);
    }
    state.checkReadable();
    return view.list(prefix, after, limit);
  }

  @Override
  public long count() {
    state.checkReadable();
    return view.count();
  }

  @Override
  public long sizeOnDisk() {
    return Storage.bytesUnder(dir);
  }

  @Override
  public CausalContext context() {
    synchronized (context) {
      return context.copy();
    }
  }

  @Override
  public CloseableIterator<KeyedDelta> changedSince(CausalContext remote) {
    state.checkReadable();
    List<ReplicaId> replicas;
    synchronized (context) {
      replicas = List.copyOf(context.replicas());
    }
    return new SyncQuery(view, remote.copy(), replicas, reads::deltaFor);
  }

  /**
   * Writes a consistent backup of this store into {@code target} (absent or empty) while writes
   * go on: it holds every write acknowledged before the call. Checkpoints wait while the MapDB
   * file is copied. Restore with {@link Backups#restore}.
   *
   * @throws StoreException if the store is not usable or {@code target} is not empty
   */
  public Backups.Taken backup(Path target) throws IOException {
    state.checkUsable();
    return Backups.take(dir, target, replica.id(), view, journal, checkpointer);
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
    state.fail(e, () -> {
      cache.invalidateAll(); // cached documents may hold writes that are not durable
      view.wakeWaiters();
    });
  }

  /** Calls {@code listener} once when this store fails (at once if it has failed already). */
  void whenFailed(Consumer<Throwable> listener) {
    state.whenFailed(listener);
  }

  /** Why the store failed, or null. */
  Throwable failure() {
    return state.failure();
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    state.closing();
    view.wakeWaiters();
    try {
      if (options.byHand && state.failure() == null) {
        journal.commit(); // a clean close keeps what was written
      }
      checkpointer.stop();
      journal.close();
      if (state.failure() == null) {
        // Bring both files up to date, so the next open replays nothing and copies nothing.
        checkpointer.checkpoint();
        checkpointer.checkpoint();
      }
    } catch (IOException | RuntimeException e) {
      LOG.error("closing {} failed; the next open recovers from the journal", dir, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      closeFiles();
    }
  }

  private void closeFiles() {
    for (MapDbFile f : view.files) {
      try {
        f.close();
      } catch (RuntimeException | InternalError e) {
        // InternalError: MapDB's close writes to a memory-mapped file, which on a full disk
        // raises SIGBUS; the directory lock must still be released, so the store can reopen.
        LOG.warn("closing {} failed", f.path, e);
      }
    }
    try {
      dirLock.close();
    } catch (IOException e) {
      LOG.warn("releasing the lock of {} failed", dir, e);
    }
  }

  /** Takes a checkpoint now (tests). */
  void checkpointForTests() throws IOException {
    checkpointer.checkpoint();
  }

  /**
   * Writes and fsyncs the journal now, on this thread, completing the futures of what it made
   * durable; for a store opened {@link StoreOptions.Builder#byHand() by hand}.
   *
   * @throws StoreException if the store failed
   * @throws IllegalStateException unless the store was opened by hand
   */
  public void commit() throws StoreException {
    journal.commit();
  }

  /**
   * Brings the standby MapDB file up to the journal's durable end and makes it current, on this
   * thread; for a store opened {@link StoreOptions.Builder#byHand() by hand} (others take
   * checkpoints on their own).
   *
   * @throws IOException if the checkpoint fails (the store then fails closed)
   */
  public void checkpoint() throws IOException {
    state.checkUsable();
    try {
      checkpointer.checkpoint();
    } catch (IOException | RuntimeException e) {
      fail(e);
      throw e;
    }
  }

  /**
   * Stops as a crash would, for simulations and tests: no checkpoint; a store opened by hand loses
   * what was not committed (a power cut), one with a committer thread writes out what it had
   * buffered first (a kill after the last fsync); the files are closed as they are and the lock
   * is released.
   */
  public synchronized void crash() throws IOException {
    closed = true;
    state.closing();
    try {
      checkpointer.stop();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    journal.close();
    closeFiles();
  }

  // ---- helpers ----------------------------------------------------------------------------------

  /** The position each file holds, for tests. */
  long[] positions() {
    return new long[] {view.files[0].position, view.files[1].position};
  }

  ConcurrentNavigableMap<String, ?> overlayForTests() {
    return view.overlayForTests();
  }

  /** The cached copy of {@code key} or null, for tests. */
  Document cachedForTests(String key) {
    return cache.get(key);
  }

  /** The cache's weight in estimated bytes, for tests. */
  long cacheWeightForTests() {
    return cache.weighedBytes();
  }
}
