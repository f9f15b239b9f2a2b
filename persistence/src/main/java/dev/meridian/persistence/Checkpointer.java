package dev.meridian.persistence;

import dev.meridian.crdt.codec.CodecException;
import dev.meridian.crdt.codec.CrdtCodec;
import dev.meridian.crdt.doc.Document;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings MapDB up to date from the journal: one thread that takes checkpoints into the standby
 * file and makes it current, and owns the manifest.
 *
 * <p>A checkpoint: mark the standby dirty in the manifest, apply the journal from the standby's
 * position to the durable end, commit (MapDB fsyncs the file), mark it clean at the new position,
 * switch the {@link View} to it, delete journal segments both files hold. The current file is
 * never written, so a crash at any moment leaves at least one clean file.
 */
final class Checkpointer {
  /*
   * Design notes.
   * [1] Threads: the "meridian-checkpoint" thread runs checkpoints; close() runs the last ones
   *     after it stopped. `checkpointLock` serialises checkpoints; `manifestLock` guards the
   *     manifest (also written by the journal's roll, on the committer thread); `wake` is the
   *     monitor the thread sleeps on. Lock order: checkpointLock, then the view's write lock,
   *     then manifestLock; never a stripe lock.
   * [2] The deltas of one document in a checkpoint are joined into one (join is associative and
   *     commutative, so the joined delta holds exactly their effects), and the document gets one
   *     log entry, one meta write and one index update per chunk of CHUNK_BYTES of journal, not
   *     one per write: a hot document written a thousand times between checkpoints costs MapDB
   *     one insert. The profile blamed MapDB's B-tree inserts for half of a daemon's CPU.
   */
  private static final Logger LOG = LoggerFactory.getLogger(Checkpointer.class);
  private static final long CHUNK_BYTES = 16L << 20;

  private final Path dir;
  private final StoreOptions options;
  private final Journal journal;
  private final View view;
  private final Consumer<Throwable> onFailure;
  private final Object checkpointLock = new Object();
  private final Object manifestLock = new Object();
  private final Object wake = new Object();
  private Manifest manifest;
  private final Thread thread;
  private volatile boolean stopping;
  private volatile long checkpoints;

  Checkpointer(Path dir, StoreOptions options, Journal journal, View view, Manifest manifest,
      Consumer<Throwable> onFailure) {
    this.dir = dir;
    this.options = options;
    this.journal = journal;
    this.view = view;
    this.manifest = manifest;
    this.onFailure = onFailure;
    this.thread = new Thread(this::loop, "meridian-checkpoint");
    this.thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  long checkpoints() {
    return checkpoints;
  }

  /** Wakes the thread: the journal outgrew the checkpoint bytes, or writers wait on the backlog. */
  void nudge() {
    synchronized (wake) {
      wake.notifyAll();
    }
  }

  /** Whether the journal past the current file is over the checkpoint bytes. */
  boolean due(long journalEnd) {
    return journalEnd - view.currentFile().position > options.checkpointBytes;
  }

  /** Stops the thread (waiting for a checkpoint under way). */
  void stop() throws InterruptedException {
    stopping = true;
    nudge();
    thread.join(java.util.concurrent.TimeUnit.MINUTES.toMillis(5));
  }

  private void loop() {
    long intervalMillis = Math.max(1, options.checkpointInterval.toMillis());
    while (!stopping) {
      synchronized (wake) {
        if (!due(journal.durablePosition())
            && view.overlayBytes() <= options.maxBacklogBytes) {
          try {
            wake.wait(intervalMillis);
          } catch (InterruptedException e) {
            return;
          }
        }
      }
      if (stopping) {
        return;
      }
      try {
        checkpoint();
      } catch (IOException | RuntimeException | Error e) {
        // Error too: a write to a memory-mapped file on a full disk raises SIGBUS, which the JVM
        // turns into an InternalError on this thread; the store must fail closed, not hang.
        onFailure.accept(e);
        return;
      }
    }
  }

  /** Brings the standby file up to the journal's durable end and makes it current. */
  void checkpoint() throws IOException {
    synchronized (checkpointLock) {
      checkpointLocked();
    }
  }

  /** What {@link #whileNoCheckpoint} runs. */
  interface Held<T> {
    T run() throws IOException;
  }

  /**
   * Runs {@code action} while no checkpoint runs: the current file is not written and does not
   * change, and no journal segment is deleted (a backup reads them).
   */
  <T> T whileNoCheckpoint(Held<T> action) throws IOException {
    synchronized (checkpointLock) {
      return action.run();
    }
  }

  @SuppressWarnings("NonAtomicVolatileUpdate") // checkpoints: written under checkpointLock only
  private void checkpointLocked() throws IOException {
    long target = journal.durablePosition();
    int s = 1 - view.current();
    MapDbFile standby = view.files[s];
    if (standby.position >= target) {
      return;
    }
    writeSlot(s, false, standby.position, 0);
    long from = standby.position;
    long t0 = System.nanoTime();
    int[] applied = {0};
    Map<String, Document> chunk = new LinkedHashMap<>();
    long[] chunkBytes = {0};
    journal.read(from, target, (pos, end, payload) -> {
      JournalRecords.Entry entry;
      try {
        entry = JournalRecords.parse(payload);
      } catch (IllegalArgumentException e) {
        throw new IOException("journal record at " + pos + ": " + e.getMessage(), e);
      }
      if (entry instanceof JournalRecords.Delta d) {
        Document delta;
        try {
          delta = CrdtCodec.decodeDocument(d.delta());
        } catch (CodecException e) {
          throw new IOException("journal record at " + pos + " holds a bad delta", e);
        }
        // Design note [2]: one joined state per document and chunk (from bottom, so a new
        // document's first entry is a state like any other, not a mutator's delta).
        chunk.computeIfAbsent(d.key(), k -> Document.empty()).join(delta);
        standby.observeClock(d.clock());
        chunkBytes[0] += d.delta().length;
        if (chunkBytes[0] >= CHUNK_BYTES) {
          applyChunk(standby, chunk);
          chunkBytes[0] = 0;
        }
      } else if (entry instanceof JournalRecords.Reserve res) {
        standby.applyReservation(res.counter(), res.clock());
      }
      applied[0]++;
      CrashPoints.at(CrashPoints.MAPDB_APPLY);
    });
    applyChunk(standby, chunk);
    standby.position = target;
    long t1 = System.nanoTime();
    standby.commit();
    checkpoints++;
    long t2 = System.nanoTime();
    writeSlot(s, true, target, 1);
    int old = 1 - s;
    view.switchTo(s, target);
    journal.deleteBefore(Math.min(view.files[old].position, target));
    if (LOG.isDebugEnabled()) {
      LOG.debug("checkpoint into {}: {} records, {} bytes of journal, apply {} ms, commit {} ms",
          MapDbDocStore.SLOT_FILES[s], applied[0], target - from, (t1 - t0) / 1_000_000,
          (t2 - t1) / 1_000_000);
    }
  }

  private void writeSlot(int s, boolean clean, long position, int generationStep)
      throws IOException {
    synchronized (manifestLock) {
      manifest = manifest.with(s, new Manifest.Slot(clean, position,
          manifest.slots()[s].generation() + generationStep));
      manifest.write(dir.resolve(MapDbDocStore.MANIFEST_FILE));
    }
  }

  private static void applyChunk(MapDbFile f, Map<String, Document> chunk) throws IOException {
    try {
      for (Map.Entry<String, Document> e : chunk.entrySet()) {
        Document joined = e.getValue();
        f.applyDeltas(e.getKey(), List.of(CrdtCodec.encode(joined)), List.of(joined.context()));
      }
    } catch (CodecException e) {
      throw new IOException("a stored document of " + f.path + " does not decode", e);
    }
    chunk.clear();
  }

  /** The journal started a segment at {@code base}: record it in the manifest. */
  void onRoll(long base) {
    synchronized (manifestLock) {
      manifest = manifest.withLastSegment(base);
      try {
        manifest.write(dir.resolve(MapDbDocStore.MANIFEST_FILE));
      } catch (IOException e) {
        onFailure.accept(e);
      }
    }
  }
}
