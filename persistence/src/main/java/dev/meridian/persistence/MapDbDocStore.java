package dev.meridian.persistence;

import dev.meridian.crdt.Replica;
import dev.meridian.crdt.ReplicaId;
import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.clock.HybridClock;
import dev.meridian.crdt.codec.CodecException;
import dev.meridian.crdt.codec.CrdtCodec;
import dev.meridian.crdt.doc.Document;
import dev.meridian.crdt.doc.LocalWrite;
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
   *     the manifest), SyncQuery, DocCache, DataDirLock, Recovery. This class composes them and
   *     owns the write path and visibility.
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
   * threads to stop: those threads never take it (a failure is recorded under `failLock`, a leaf).
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
  private final java.util.concurrent.atomic.LongAdder syncReads =
      new java.util.concurrent.atomic.LongAdder();
  private volatile boolean closing;
  private volatile Throwable failure;
  private final Object failLock = new Object();
  /** Told once, on the failing thread, when the store fails closed (see {@link ReopeningStore}). */
  private volatile Consumer<Throwable> onFailure = t -> {};
  private boolean closed;

  /** A journal record's attachment: what becomes visible once it is durable. */
  private record Written(String key, long end, CausalContext context, Document localDelta) {}

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
    this.dots = new DotLedger(journal, replica, r.reserved, context);
    this.keys = new KeyLocks(journal);
    this.cache = new DocCache(options.cacheBytes);
    this.view = new View(r.files, r.current, r.overlay, r.overlayBytes);
    this.checkpointer = new Checkpointer(dir, options, journal, view, r.manifest, this::fail);
    r.onRollHook = checkpointer::onRoll;
    r.listenerHook = new Journal.Listener() {
      @Override
      public void durable(List<Object> attachments) {
        onDurable(attachments);
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
        Storage.bytesUnder(dir.resolve(JOURNAL_DIR)), view.overlayBytes(), syncReads.sum());
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
    KeyLocks.check(key);
    try {
      checkUsable();
      awaitBacklog();
      dots.reserveIfLow();
      synchronized (keys.stripe(key)) {
        Live live = live(key);
        Document doc = live.doc();
        boolean cached = live.cached();
        long loadedBytes = live.loadedBytes();
        LocalWrite.Outcome outcome;
        try {
          outcome = LocalWrite.apply(doc, replica, mutation);
        } catch (Error e) {
          cache.invalidate(key);
          throw e;
        }
        if (outcome instanceof LocalWrite.Failed f) {
          cache.invalidate(key); // it may hold part of the changes: disk has the truth
          dots.addVoid(f.voided());
          return CompletableFuture.failedFuture(f.error());
        }
        LocalWrite.Applied a = (LocalWrite.Applied) outcome;
        dots.addVoid(a.voided());
        if (a.events().isEmpty()) {
          return CompletableFuture.completedFuture(Document.empty());
        }
        try {
          dots.reserveIfPast();
          Document delta = dots.withVoided(doc, a.delta());
          byte[] bytes = CrdtCodec.encode(delta);
          Journal.Appended appended = append(key, bytes, delta, true);
          if (cached) {
            cache.grew(key, doc, bytes.length);
          } else {
            cache.put(key, doc, loadedBytes + bytes.length);
          }
          return appended.durable().thenApply(v -> delta);
        } catch (StoreException | RuntimeException e) {
          cache.invalidate(key); // mutated and not journalled
          dots.addVoid(a.events());
          throw e;
        }
      }
    } catch (StoreException | RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public CompletableFuture<Void> applyRemote(String key, Document delta) {
    KeyLocks.check(key);
    try {
      checkUsable();
      awaitBacklog();
      synchronized (keys.stripe(key)) {
        Live live = live(key);
        Document doc = live.doc();
        boolean cached = live.cached();
        long loadedBytes = live.loadedBytes();
        String conflict = dev.meridian.crdt.store.RecordConflicts.find(doc.map().store(),
            delta.map().store());
        if (conflict != null) {
          // A record held here with other content: joining would silently diverge.
          throw new IllegalArgumentException("refused a delta of " + key + ": " + conflict);
        }
        try {
          doc.join(delta); // design note [7]: refused before it reaches the journal
        } catch (RuntimeException | Error e) {
          cache.invalidate(key);
          throw e;
        }
        byte[] bytes;
        Journal.Appended appended;
        try {
          bytes = CrdtCodec.encode(delta);
          appended = append(key, bytes, delta, false);
        } catch (StoreException | RuntimeException e) {
          cache.invalidate(key);
          throw e;
        }
        if (cached) {
          cache.grew(key, doc, bytes.length);
        } else {
          cache.put(key, doc, loadedBytes + bytes.length);
        }
        return appended.durable();
      }
    } catch (StoreException | RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * Journals a delta and adds it to the overlay; the caller holds the key's stripe. A remote delta
   * is always appended as durable (its future completes at the fsync in either durability mode).
   */
  private Journal.Appended append(String key, byte[] bytes, Document delta, boolean local)
      throws StoreException {
    byte[] record = JournalRecords.delta(replica.clock().last(), key, bytes);
    CausalContext deltaContext = delta.context();
    boolean durable = !local || options.durability == Durability.DURABLE;
    view.lock.readLock().lock();
    try {
      Document announced = local ? delta : null;
      Journal.Appended a = journal.append(record, durable,
          end -> new Written(key, end, deltaContext, announced));
      view.add(key, a.position(), bytes, View.newest(deltaContext));
      keys.written(key, a.end());
      if (checkpointer.due(a.end())) {
        checkpointer.nudge();
      }
      return a;
    } finally {
      view.lock.readLock().unlock();
    }
  }

  /** On the journal's notifier thread, once records are durable (design note [3]). */
  private void onDurable(List<Object> attachments) {
    synchronized (context) {
      for (Object o : attachments) {
        if (o instanceof Written w) {
          context.addAll(w.context());
        }
      }
    }
    for (Object o : attachments) {
      if (o instanceof Written w) {
        keys.durable(w.key(), w.end());
        if (w.localDelta() != null && !subscribers.isEmpty()) {
          KeyedDelta k = new KeyedDelta(w.key(), w.localDelta());
          for (Consumer<KeyedDelta> s : subscribers) {
            try {
              s.accept(k);
            } catch (RuntimeException e) {
              LOG.error("a subscriber to the writes of {} failed", dir, e);
            }
          }
        }
      }
    }
  }

  private void awaitBacklog() throws StoreException {
    try {
      view.awaitBacklog(options.maxBacklogBytes, checkpointer::nudge, () -> {
        if (closing || failure != null) {
          throw new IllegalStateException("the store " + dir + " cannot take writes");
        }
      });
    } catch (IllegalStateException e) {
      checkUsable();
      throw e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException(StoreException.Reason.FAILED, dir, "interrupted", e);
    }
  }

  // ---- reading ----------------------------------------------------------------------------------

  /** A document to write: the cached copy, or one loaded (empty if absent) with its size. */
  private record Live(Document doc, boolean cached, long loadedBytes) {}

  /** The live document of {@code key}, bound to this replica; the caller holds its stripe. */
  private Live live(String key) {
    Document doc = cache.get(key);
    if (doc != null) {
      return new Live(doc, true, 0);
    }
    View.Loaded l = load(key);
    return l == null ? new Live(Document.empty().bind(replica), false, 0)
        : new Live(l.doc().bind(replica), false, l.bytes());
  }

  /** The document from disk (current file plus overlay), or null; the caller holds its stripe. */
  private View.Loaded load(String key) {
    try {
      return view.load(key);
    } catch (CodecException | RuntimeException e) {
      Path file = dir.resolve(SLOT_FILES[view.current()]);
      throw new UncheckedIOException(new StoreException(StoreException.Reason.CORRUPT, file,
          "document " + key + " cannot be read from " + file + ": " + e, e));
    }
  }

  /** Design note [3]; the caller holds the key's stripe. */
  private void awaitVisible(String key) {
    try {
      keys.awaitDurable(key);
    } catch (StoreException e) {
      // The journal failed; the notifier may not have told this store yet.
      throw new IllegalStateException(failure == null ? e.getMessage() : unusable(), e);
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
   * (a list) does not evict the hot ones.
   */
  @Override
  public Optional<Document> peek(String key) {
    return read(key, false);
  }

  /** A read-only copy of the durable document; one read from disk is cached if {@code keep}. */
  private Optional<Document> read(String key, boolean keep) {
    KeyLocks.check(key);
    checkReadable();
    synchronized (keys.stripe(key)) {
      awaitVisible(key);
      checkReadable();
      Document doc = cache.get(key);
      if (doc != null) {
        return Optional.of(doc.copy());
      }
      View.Loaded l = load(key);
      if (l == null) {
        return Optional.empty();
      }
      if (!keep) {
        return Optional.of(l.doc()); // loaded for this call alone: no copy needed
      }
      cache.put(key, l.doc(), l.bytes());
      return Optional.of(l.doc().copy());
    }
  }

  /** The sync query's read: the durable document's delta for {@code remote}, or null. */
  private Document deltaFor(String key, CausalContext remote) {
    checkReadable();
    syncReads.increment();
    synchronized (keys.stripe(key)) {
      awaitVisible(key);
      Document doc = cache.get(key);
      if (doc == null) {
        View.Loaded l = load(key);
        doc = l == null ? null : l.doc();
      }
      return doc != null && !doc.context().isSubsetOf(remote) ? doc.deltaSince(remote) : null;
    }
  }

  @Override
  public KeyPage list(String prefix, String after, int limit) {
    if (limit <= 0) {
      throw new IllegalArgumentException("limit must be positive: " + limit);
    }
    checkReadable();
    return view.list(prefix, after, limit);
  }

  @Override
  public long count() {
    checkReadable();
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
    checkReadable();
    List<ReplicaId> replicas;
    synchronized (context) {
      replicas = List.copyOf(context.replicas());
    }
    return new SyncQuery(view, remote.copy(), replicas, this::deltaFor);
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
    boolean first;
    // Not the store's monitor: close() and crash() hold that while they wait for the journal's
    // notifier thread to stop, and that thread reports a failed fsync here.
    synchronized (failLock) {
      first = failure == null;
      if (first) {
        failure = e;
      }
    }
    if (first) {
      LOG.error("store {} failed; it serves nothing until it is reopened", dir, e);
    }
    cache.invalidateAll(); // cached documents may hold writes that are not durable
    view.wakeWaiters();
    if (first) {
      onFailure.accept(e);
    }
  }

  /** Calls {@code listener} once when this store fails (at once if it has failed already). */
  void whenFailed(Consumer<Throwable> listener) {
    onFailure = listener;
    Throwable f = failure;
    if (f != null) {
      listener.accept(f);
    }
  }

  /** Why the store failed, or null. */
  Throwable failure() {
    return failure;
  }

  private String unusable() {
    Throwable f = failure;
    if (f == null) {
      return "the store " + dir + " is closed";
    }
    // A failed store keeps saying why after it is closed (a ReopeningStore closes it first).
    return diskFull(f)
        ? "the disk of " + dir + " is full (no space left on device): writes are refused until"
            + " space returns and the store is reopened"
        : "the store " + dir + " failed (" + f + "); it serves nothing until it is reopened";
  }

  /** True if {@code t} or a cause of it reports a full disk (ENOSPC). */
  static boolean diskFull(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      String m = c.getMessage();
      if (m != null && m.contains("No space left on device")) {
        return true;
      }
    }
    return false;
  }

  private void checkReadable() {
    if (closing || failure != null) {
      throw new IllegalStateException(unusable());
    }
  }

  private void checkUsable() throws StoreException {
    if (closing || failure != null) {
      throw new StoreException(StoreException.Reason.FAILED, dir, unusable(), failure);
    }
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    closing = true;
    view.wakeWaiters();
    try {
      if (options.byHand && failure == null) {
        journal.commit(); // a clean close keeps what was written
      }
      checkpointer.stop();
      journal.close();
      if (failure == null) {
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
    checkUsable();
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
    closing = true;
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
