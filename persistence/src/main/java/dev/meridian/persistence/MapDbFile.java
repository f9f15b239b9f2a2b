package dev.meridian.persistence;

import dev.meridian.crdt.ReplicaId;
import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.codec.CodecException;
import dev.meridian.crdt.codec.CrdtCodec;
import dev.meridian.crdt.doc.Document;
import java.io.Closeable;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import org.mapdb.BTreeMap;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.Serializer;
import org.mapdb.serializer.SerializerArrayTuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One MapDB file: per document a snapshot, a log of deltas and a small meta record (its newest dot
 * per replica and log size), the dot index, and the replica's metadata with the journal position the file holds.
 *
 * <p>Opened with MapDB's store-wide checksum, so a file with any flipped byte refuses to open.
 * Written by one thread (the store's checkpointer) while it is the standby; read by many while it
 * is the current file, when nothing writes to it.
 */
final class MapDbFile implements Closeable {
  /*
   * Design notes.
   * [1] The dot index holds (replica, counter, key) for the newest dot of each (document, replica)
   *     in the document's context. A document holding a dot outside a context C has, for that
   *     dot's replica r, a newest dot at or above the first counter C lacks for r; so scanning the
   *     index from there per replica finds every such document (and a few to filter out).
   * [2] A document's context after joining a delta is the union of the two contexts (the events
   *     applied; see crdt-core's CausalCrdt), so its newest dot per replica is the maximum of the
   *     two, and the meta record is kept without loading the document. Only these maxima are
   *     kept: a document's context is one dot per write (many ranges), its maxima are one number
   *     per replica. Compaction recomputes them from the joined document.
   * [3] Compaction folds the log into the snapshot once the log outgrows half the snapshot (and a
   *     floor), so a write costs O(delta) amortised whatever the document size.
   */
  private static final Logger LOG = LoggerFactory.getLogger(MapDbFile.class);

  static final int FORMAT = 1;
  private static final int COMPACT_FLOOR = 4096;

  final Path path;
  private final DB db;
  private final BTreeMap<String, byte[]> meta;
  private final BTreeMap<String, byte[]> snapshots;
  private final BTreeMap<Object[], byte[]> log;
  private final NavigableSet<Object[]> dots;
  private final BTreeMap<String, byte[]> info;

  volatile long position;
  long counterReserved;
  long clock;
  final CausalContext storeContext;

  @SuppressWarnings("unchecked")
  private MapDbFile(Path path, DB db) {
    this.path = path;
    this.db = db;
    this.meta = db.treeMap("meta", Serializer.STRING, Serializer.BYTE_ARRAY).counterEnable()
        .createOrOpen();
    this.snapshots = db.treeMap("snapshots", Serializer.STRING, Serializer.BYTE_ARRAY)
        .valuesOutsideNodesEnable().createOrOpen();
    this.log = db.treeMap("log", new SerializerArrayTuple(Serializer.STRING, Serializer.LONG),
        Serializer.BYTE_ARRAY).createOrOpen();
    this.dots = (NavigableSet<Object[]>) (NavigableSet<?>) db.treeSet("dots",
        new SerializerArrayTuple(Serializer.LONG, Serializer.LONG, Serializer.STRING))
        .createOrOpen();
    this.info = db.treeMap("info", Serializer.STRING, Serializer.BYTE_ARRAY).createOrOpen();
    this.storeContext = new CausalContext();
  }

  private static DB make(Path path) {
    return DBMaker.fileDB(path.toFile()).fileMmapEnableIfSupported().cleanerHackEnable()
        .checksumStoreEnable().make();
  }

  /** Creates a new file holding nothing, at {@code position}, committed. */
  static MapDbFile create(Path path, ReplicaId replica, long position) throws java.io.IOException {
    Files.deleteIfExists(path);
    MapDbFile f = new MapDbFile(path, make(path));
    f.info.put("format", ByteBuffer.allocate(4).putInt(FORMAT).array());
    f.info.put("replica", longBytes(replica.value()));
    f.position = position;
    f.commit();
    return f;
  }

  /**
   * Opens and checks a file: MapDB's store checksum, the format, the replica and the metadata.
   *
   * @throws StoreException naming the file if any of these fails
   */
  static MapDbFile open(Path path, ReplicaId replica) throws StoreException {
    if (!Files.exists(path)) {
      throw new StoreException(StoreException.Reason.MISSING_FILE, path,
          "MapDB file " + path + " is missing");
    }
    DB db;
    try {
      db = make(path);
    } catch (RuntimeException | Error e) {
      throw new StoreException(StoreException.Reason.CORRUPT, path,
          "MapDB file " + path + " does not open: " + e, e);
    }
    try {
      MapDbFile f = new MapDbFile(path, db);
      byte[] format = f.info.get("format");
      if (format == null) {
        throw new StoreException(StoreException.Reason.FOREIGN_FILE, path,
            path + " is a MapDB file without Meridian metadata");
      }
      int version = ByteBuffer.wrap(format).getInt();
      if (version != FORMAT) {
        throw new StoreException(StoreException.Reason.UNKNOWN_FORMAT, path,
            path + " has unknown format version " + version);
      }
      long id = ByteBuffer.wrap(f.info.get("replica")).getLong();
      if (id != replica.value()) {
        throw new StoreException(StoreException.Reason.FOREIGN_FILE, path,
            path + " belongs to replica " + ReplicaId.of(id) + ", not " + replica);
      }
      f.position = ByteBuffer.wrap(f.info.get("position")).getLong();
      f.counterReserved = ByteBuffer.wrap(f.info.get("counter")).getLong();
      f.clock = ByteBuffer.wrap(f.info.get("clock")).getLong();
      f.storeContext.addAll(CrdtCodec.decodeContext(f.info.get("context")));
      return f;
    } catch (StoreException e) {
      closeQuietly(db);
      throw e;
    } catch (RuntimeException | Error | CodecException e) {
      closeQuietly(db);
      throw new StoreException(StoreException.Reason.CORRUPT, path,
          "MapDB file " + path + " has corrupt metadata: " + e, e);
    }
  }

  private static void closeQuietly(DB db) {
    try {
      db.close();
    } catch (RuntimeException | Error e) {
      LOG.debug("closing a rejected MapDB file failed", e);
    }
  }

  // ---- writing (checkpointer only) ------------------------------------------------------------

  /**
   * Appends deltas (in journal order) to the document's log, updates its context and the dot
   * index: one meta read and write for the lot.
   */
  void applyDeltas(String key, List<byte[]> deltaBytes, List<CausalContext> contexts)
      throws CodecException {
    DocMeta m = readMeta(key);
    Map<ReplicaId, Long> before = new java.util.HashMap<>(m.newest);
    if (m.nextSeq == 0 && m.snapshotBytes == 0 && deltaBytes.size() == 1) {
      // A new document: its first delta is its snapshot (no log entry to compact later). Its
      // metadata says it has none yet: every snapshot is written with its metadata in the same
      // checkpoint, and a file a crash left mid-checkpoint is never used.
      byte[] bytes = deltaBytes.get(0);
      CausalContext deltaContext = contexts.get(0);
      for (ReplicaId r : deltaContext.replicas()) {
        m.newest.merge(r, deltaContext.max(r), Math::max);
      }
      snapshots.put(key, bytes);
      m.snapshotBytes = bytes.length;
      storeContext.addAll(deltaContext);
      reindex(key, before, m.newest);
      meta.put(key, m.encode());
      return;
    }
    for (int i = 0; i < deltaBytes.size(); i++) {
      CausalContext deltaContext = contexts.get(i);
      byte[] bytes = deltaBytes.get(i);
      for (ReplicaId r : deltaContext.replicas()) {
        m.newest.merge(r, deltaContext.max(r), Math::max);
      }
      log.put(new Object[] {key, m.nextSeq}, bytes);
      m.nextSeq++;
      m.logCount++;
      m.logBytes += bytes.length;
      storeContext.addAll(deltaContext);
    }
    reindex(key, before, m.newest);
    if (m.logBytes > Math.max(COMPACT_FLOOR, m.snapshotBytes / 2)) {
      compact(key, m);
    }
    meta.put(key, m.encode());
  }

  /** Records a counter reservation and the clock. */
  void applyReservation(long counter, long clockValue) {
    counterReserved = Math.max(counterReserved, counter);
    clock = Math.max(clock, clockValue);
  }

  void observeClock(long clockValue) {
    clock = Math.max(clock, clockValue);
  }

  private void compact(String key, DocMeta m) throws CodecException {
    Document doc = loadParts(key).doc();
    byte[] snapshot = CrdtCodec.encode(doc);
    snapshots.put(key, snapshot);
    List<Object[]> doomed = new ArrayList<>();
    for (Object[] k : log.prefixSubMap(new Object[] {key}).keySet()) {
      doomed.add(k);
    }
    for (Object[] k : doomed) {
      log.remove(k);
    }
    Map<ReplicaId, Long> newest = newest(doc.context());
    if (!newest.equals(m.newest)) {
      LOG.warn("document {}: newest dots after compaction {} differ from the kept ones {}", key,
          newest, m.newest);
      Map<ReplicaId, Long> before = m.newest;
      m.newest = newest;
      reindex(key, before, newest);
    }
    m.logCount = 0;
    m.logBytes = 0;
    m.snapshotBytes = snapshot.length;
  }

  static Map<ReplicaId, Long> newest(CausalContext context) {
    Map<ReplicaId, Long> out = new java.util.HashMap<>();
    for (ReplicaId r : context.replicas()) {
      out.put(r, context.max(r));
    }
    return out;
  }

  private void reindex(String key, Map<ReplicaId, Long> before, Map<ReplicaId, Long> after) {
    java.util.Set<ReplicaId> replicas = new java.util.HashSet<>(before.keySet());
    replicas.addAll(after.keySet());
    for (ReplicaId r : replicas) {
      long old = before.getOrDefault(r, 0L);
      long now = after.getOrDefault(r, 0L);
      if (old != now) {
        if (old > 0) {
          dots.remove(new Object[] {r.value(), old, key});
        }
        if (now > 0) {
          dots.add(new Object[] {r.value(), now, key});
        }
      }
    }
  }

  /** Writes the metadata and commits: MapDB fsyncs the file and its checksum. */
  void commit() {
    info.put("position", longBytes(position));
    info.put("counter", longBytes(counterReserved));
    info.put("clock", longBytes(clock));
    info.put("context", CrdtCodec.encode(storeContext));
    CrashPoints.at(CrashPoints.MAPDB_COMMIT);
    db.commit();
  }

  // ---- reading --------------------------------------------------------------------------------

  /** A document as loaded, with the bytes it took on disk. */
  record Loaded(Document doc, long bytes) {}

  /** The document (snapshot joined with its log), or null if absent. */
  Loaded load(String key) throws CodecException {
    return meta.containsKey(key) ? loadParts(key) : null;
  }

  /** The snapshot joined with the log, whether or not the meta record exists yet. */
  private Loaded loadParts(String key) throws CodecException {
    byte[] snap = snapshots.get(key);
    Document doc = snap == null ? Document.empty() : CrdtCodec.decodeDocument(snap);
    long bytes = snap == null ? 0 : snap.length;
    for (byte[] d : log.prefixSubMap(new Object[] {key}).values()) {
      doc.join(CrdtCodec.decodeDocument(d));
      bytes += d.length;
    }
    return new Loaded(doc, bytes);
  }

  /** The document's newest dot per replica as kept in its meta record, or null if absent. */
  Map<ReplicaId, Long> newest(String key) {
    byte[] m = meta.get(key);
    return m == null ? null : DocMeta.decode(m).newest;
  }

  boolean contains(String key) {
    return meta.containsKey(key);
  }

  long count() {
    return meta.sizeLong();
  }

  /** Keys in {@code (after, ...)} starting with prefix, ascending. */
  Iterator<String> keys(String prefix, String after) {
    Map<String, byte[]> sub = after == null || after.compareTo(prefix) < 0
        ? meta.tailMap(prefix, true) : meta.tailMap(after, false);
    Iterator<String> all = sub.keySet().iterator();
    return new Iterator<>() {
      private String next = advance();

      private String advance() {
        if (!all.hasNext()) {
          return null;
        }
        String k = all.next();
        return k.startsWith(prefix) ? k : null;
      }

      @Override
      public boolean hasNext() {
        return next != null;
      }

      @Override
      public String next() {
        if (next == null) {
          throw new java.util.NoSuchElementException();
        }
        String out = next;
        next = advance();
        return out;
      }
    };
  }

  /**
   * Up to {@code limit} index entries for replica {@code replica} at or after {@code (counter,
   * key)} ({@code key} null: from the first entry of that counter), exclusive of that exact entry.
   */
  List<Object[]> dotsFrom(long replica, long counter, String key, int limit) {
    Object[] from = key == null ? new Object[] {replica, counter} : new Object[] {replica, counter,
        key};
    List<Object[]> out = new ArrayList<>(Math.min(limit, 1024));
    for (Object[] e : dots.subSet(from, false, new Object[] {replica, null}, false)) {
      out.add(e);
      if (out.size() >= limit) {
        break;
      }
    }
    return out;
  }

  @Override
  public void close() {
    db.close();
  }

  private static byte[] longBytes(long v) {
    return ByteBuffer.allocate(8).putLong(v).array();
  }

  private DocMeta readMeta(String key) {
    byte[] m = meta.get(key);
    return m == null ? new DocMeta() : DocMeta.decode(m);
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
