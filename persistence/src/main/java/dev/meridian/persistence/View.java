package dev.meridian.persistence;

import dev.meridian.crdt.codec.CodecException;
import dev.meridian.crdt.codec.CrdtCodec;
import dev.meridian.crdt.doc.Document;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * What readers see of the disk: the current MapDB file plus the overlay, the journal records past
 * that file's position kept in memory. The overlay is bounded by the store's max backlog bytes:
 * writers wait in {@link #awaitBacklog} past it until a checkpoint trims it.
 */
final class View {
  /*
   * Design notes.
   * [1] Lock: the read lock is held by every read of the file and overlay and by each append of
   *     an overlay record (together with its journal append, so a checkpoint never misses one);
   *     the write lock only by the checkpointer's switch to the new current file. Overlay lists
   *     are guarded by their own monitor. `backlog` guards overlayBytes and backlog waits.
   */
  /**
   * A journal record past the current MapDB file's position, with the newest dot per replica of
   * its context ({@code replica, counter} pairs), so the sync query can skip documents without
   * decoding them.
   */
  @SuppressWarnings("ArrayRecordComponent") // held and read, never compared or hashed
  record OverlayRecord(long position, byte[] delta, long[] newest) {}

  /** The newest dot per replica of {@code context}, as {@code replica, counter} pairs. */
  static long[] newest(dev.meridian.crdt.clock.CausalContext context) {
    var replicas = context.replicas();
    long[] out = new long[2 * replicas.size()];
    int i = 0;
    for (var r : replicas) {
      out[i++] = r.value();
      out[i++] = context.max(r);
    }
    return out;
  }

  /** Whether an overlay record of {@code key} has a dot of replica r at or above starts(r). */
  boolean overlayReaches(String key, java.util.function.LongUnaryOperator start) {
    List<OverlayRecord> recs = overlay.get(key);
    if (recs == null) {
      return false;
    }
    synchronized (recs) {
      for (OverlayRecord rec : recs) {
        for (int i = 0; i < rec.newest().length; i += 2) {
          if (rec.newest()[i + 1] >= start.applyAsLong(rec.newest()[i])) {
            return true;
          }
        }
      }
    }
    return false;
  }

  /** A document as loaded, with its encoded size on disk. */
  record Loaded(Document doc, long bytes) {}

  final MapDbFile[] files;
  private volatile int current;
  private volatile int generation;
  final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private final ConcurrentSkipListMap<String, List<OverlayRecord>> overlay;
  private final Object backlog = new Object();
  private long overlayBytes;

  View(MapDbFile[] files, int current, ConcurrentSkipListMap<String, List<OverlayRecord>> overlay,
      long overlayBytes) {
    this.files = files;
    this.current = current;
    this.overlay = overlay;
    this.overlayBytes = overlayBytes;
  }

  /** Bytes an overlay record is counted for, against the backlog bound. */
  static long weight(String key, byte[] delta) {
    return delta.length + 2L * key.length() + 96;
  }

  int current() {
    return current;
  }

  MapDbFile currentFile() {
    return files[current];
  }

  /** Changes each time the checkpointer switches files. */
  int generation() {
    return generation;
  }

  long overlayBytes() {
    synchronized (backlog) {
      return overlayBytes;
    }
  }

  /** Adds a journal record to the overlay; the caller holds the read lock. */
  void add(String key, long position, byte[] delta, long[] newest) {
    List<OverlayRecord> recs = overlay.computeIfAbsent(key, k -> new ArrayList<>(2));
    synchronized (recs) {
      recs.add(new OverlayRecord(position, delta, newest));
    }
    synchronized (backlog) {
      overlayBytes += weight(key, delta);
    }
  }

  /** Waits while the overlay is over {@code max} bytes; {@code nudge} wakes the checkpointer. */
  void awaitBacklog(long max, Runnable nudge, Runnable checkUsable) throws InterruptedException {
    synchronized (backlog) {
      while (overlayBytes > max) {
        checkUsable.run();
        nudge.run();
        backlog.wait(100);
      }
    }
  }

  /** The document from the current file plus the overlay, or null if absent. */
  Loaded load(String key) throws CodecException {
    lock.readLock().lock();
    try {
      MapDbFile.Loaded f = files[current].load(key);
      Document doc = f == null ? null : f.doc();
      long bytes = f == null ? 0 : f.bytes();
      List<OverlayRecord> recs = overlay.get(key);
      if (recs != null) {
        synchronized (recs) {
          for (OverlayRecord rec : recs) {
            if (doc == null) {
              doc = Document.empty();
            }
            doc.join(CrdtCodec.decodeDocument(rec.delta()));
            bytes += rec.delta().length;
          }
        }
      }
      return doc == null ? null : new Loaded(doc, bytes);
    } finally {
      lock.readLock().unlock();
    }
  }

  /** The keys of the overlay (a copy), for the sync query. */
  java.util.NavigableSet<String> overlayKeys() {
    return new java.util.TreeSet<>(overlay.keySet());
  }

  /** A page of keys with {@code prefix} after {@code after}, from the file and the overlay. */
  KeyPage list(String prefix, String after, int limit) {
    List<String> out = new ArrayList<>(Math.min(limit, 1024));
    lock.readLock().lock();
    try {
      Iterator<String> a = files[current].keys(prefix, after);
      boolean fromPrefix = after == null || after.compareTo(prefix) < 0;
      Iterator<String> b = overlay.tailMap(fromPrefix ? prefix : after, fromPrefix).keySet()
          .iterator();
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
      lock.readLock().unlock();
    }
  }

  private static String nextWithPrefix(Iterator<String> it, String prefix) {
    if (!it.hasNext()) {
      return null;
    }
    String k = it.next();
    return k.startsWith(prefix) ? k : null;
  }

  /** The number of documents in the file and the overlay. */
  long count() {
    lock.readLock().lock();
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
      lock.readLock().unlock();
    }
  }

  /** Makes file {@code s}, which holds everything below {@code target}, current; trims the overlay. */
  @SuppressWarnings("NonAtomicVolatileUpdate") // generation: written under the write lock only
  void switchTo(int s, long target) {
    lock.writeLock().lock();
    try {
      current = s;
      generation++;
      long freed = 0;
      for (Iterator<Map.Entry<String, List<OverlayRecord>>> it = overlay.entrySet().iterator();
          it.hasNext(); ) {
        Map.Entry<String, List<OverlayRecord>> e = it.next();
        List<OverlayRecord> recs = e.getValue();
        synchronized (recs) {
          for (Iterator<OverlayRecord> ri = recs.iterator(); ri.hasNext(); ) {
            OverlayRecord rec = ri.next();
            if (rec.position() < target) {
              ri.remove();
              freed += weight(e.getKey(), rec.delta());
            }
          }
          if (recs.isEmpty()) {
            it.remove();
          }
        }
      }
      synchronized (backlog) {
        overlayBytes -= freed;
        backlog.notifyAll();
      }
    } finally {
      lock.writeLock().unlock();
    }
  }

  /** Wakes writers waiting on the backlog (the store failed or closed). */
  void wakeWaiters() {
    synchronized (backlog) {
      backlog.notifyAll();
    }
  }

  /** The overlay, for tests. */
  ConcurrentSkipListMap<String, List<OverlayRecord>> overlayForTests() {
    return overlay;
  }
}
