package dev.meridian.benchmarks.persistence;

import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.codec.CrdtCodec;
import dev.meridian.crdt.doc.Document;
import dev.meridian.persistence.CloseableIterator;
import dev.meridian.persistence.Durability;
import dev.meridian.crdt.doc.KeyedDelta;
import dev.meridian.persistence.MapDbDocStore;
import dev.meridian.persistence.StoreOptions;
import dev.meridian.persistence.StoreStats;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.Serializer;

/**
 * End-to-end benchmarks of the persistence module, each against a baseline measured in the same
 * run (the machine is shared, so only ratios mean much):
 *
 * <ol>
 *   <li>{@code writes}: durable writes/s with 8 concurrent writers, versus raw MapDB {@code put}
 *       plus {@code commit()} with {@code transactionEnable()}, committing as many puts per commit
 *       as the store's group commit put in one journal fsync;
 *   <li>{@code bigdoc}: a one-register update to a 1 MB document versus a 1 KB one;
 *   <li>{@code million}: open time and heap with 1,000,000 small documents, and the sync query for
 *       1,000 changed documents among them.
 * </ol>
 *
 * <p>Run: {@code mvn -o -q package -DskipTests && java -cp benchmarks/target/benchmarks.jar
 * dev.meridian.benchmarks.persistence.PersistenceBenchmark [writes] [bigdoc] [million]} (all three
 * when none is named). Data goes to a temporary directory under {@code java.io.tmpdir}, deleted at
 * the end.
 */
public final class PersistenceBenchmark {
  private PersistenceBenchmark() {}

  /** Runs the named sections. */
  public static void main(String[] args) throws Exception {
    List<String> sections = args.length == 0 ? List.of("writes", "bigdoc", "million")
        : Arrays.asList(args);
    Path base = Files.createTempDirectory("meridian-bench");
    try {
      if (sections.contains("writes")) {
        writes(base.resolve("writes"));
      }
      if (sections.contains("bigdoc")) {
        bigDocument(base.resolve("bigdoc"));
      }
      if (sections.contains("million")) {
        million(base.resolve("million"));
      }
    } finally {
      deleteRecursively(base);
    }
  }

  // ---- 1. durable writes with 8 writers versus raw MapDB ----------------------------------------

  private static void writes(Path dir) throws Exception {
    int threads = 8;
    long warmupMillis = 3_000;
    long measureMillis = 10_000;
    double ours;
    double batch;
    int valueBytes;
    try (MapDbDocStore store = MapDbDocStore.open(StoreOptions.in(dir.resolve("store"))
        .durability(Durability.DURABLE).build())) {
      runWriters(store, threads, warmupMillis, new AtomicLong());
      StoreStats before = store.stats();
      AtomicLong done = new AtomicLong();
      long t0 = System.nanoTime();
      runWriters(store, threads, measureMillis, done);
      double secs = (System.nanoTime() - t0) / 1e9;
      StoreStats after = store.stats();
      ours = done.get() / secs;
      batch = (double) (after.journalRecords() - before.journalRecords())
          / Math.max(1, after.journalFsyncs() - before.journalFsyncs());
      valueBytes = CrdtCodec.encode(store.update("k1", d -> d.set("v", 12345L)).join()).length;
    }
    int b = Math.max(1, (int) Math.round(batch));
    double rawMmap = rawMapDb(dir.resolve("raw-mmap.mapdb"), true, b, valueBytes, warmupMillis,
        measureMillis);
    double rawFile = rawMapDb(dir.resolve("raw-file.mapdb"), false, b, valueBytes, warmupMillis,
        measureMillis);
    double raw = Math.max(rawMmap, rawFile);
    System.out.printf(Locale.ROOT, "writes: meridian durable, %d writers: %.0f writes/s (mean "
        + "group-commit batch %.1f writes per fsync, delta %d bytes)%n", threads, ours, batch,
        valueBytes);
    System.out.printf(Locale.ROOT, "writes: raw MapDB put+commit (transactionEnable), %d puts "
        + "per commit: %.0f puts/s with mmap, %.0f puts/s with RandomAccessFile%n", b, rawMmap,
        rawFile);
    System.out.printf(Locale.ROOT, "writes: ratio meridian / the faster raw MapDB = %.2fx "
        + "(target >= 1.0x)%n", ours / raw);
  }

  private static void runWriters(MapDbDocStore store, int threads, long millis, AtomicLong done)
      throws InterruptedException {
    AtomicBoolean stop = new AtomicBoolean();
    List<Thread> ts = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int tt = t;
      Thread th = new Thread(() -> {
        Random r = new Random(tt);
        long i = 0;
        while (!stop.get()) {
          long v = i++;
          store.update("k" + r.nextInt(100_000), d -> d.set("v", v)).join();
          done.incrementAndGet();
        }
      });
      ts.add(th);
      th.start();
    }
    Thread.sleep(millis);
    stop.set(true);
    for (Thread th : ts) {
      th.join();
    }
  }

  private static double rawMapDb(Path file, boolean mmap, int batch, int valueBytes,
      long warmupMillis, long measureMillis) {
    DBMaker.Maker maker = DBMaker.fileDB(file.toFile()).transactionEnable();
    DB db = (mmap ? maker.fileMmapEnableIfSupported() : maker).make();
    try {
      ConcurrentMap<String, byte[]> map = db.hashMap("m", Serializer.STRING, Serializer.BYTE_ARRAY)
          .createOrOpen();
      Random r = new Random(1);
      byte[] value = new byte[valueBytes];
      runRaw(db, map, r, value, batch, warmupMillis);
      long t0 = System.nanoTime();
      long n = runRaw(db, map, r, value, batch, measureMillis);
      return n / ((System.nanoTime() - t0) / 1e9);
    } finally {
      db.close();
    }
  }

  private static long runRaw(DB db, ConcurrentMap<String, byte[]> map, Random r, byte[] value,
      int batch, long millis) {
    long end = System.nanoTime() + millis * 1_000_000;
    long n = 0;
    while (System.nanoTime() < end) {
      for (int i = 0; i < batch; i++) {
        value[0] = (byte) n;
        map.put("k" + r.nextInt(100_000), value);
        n++;
      }
      db.commit();
    }
    return n;
  }

  // ---- 2. one-register update: 1 MB document versus 1 KB -----------------------------------------

  private static void bigDocument(Path dir) throws Exception {
    for (Durability durability : Durability.values()) {
      try (MapDbDocStore store = MapDbDocStore.open(StoreOptions.in(dir.resolve(durability.name()))
          .durability(durability).build())) {
        String filler = "x".repeat(90);
        store.update("big", d -> {
          Document delta = Document.empty();
          for (int i = 0; i < 10_000; i++) {
            delta.join(d.set("f" + i, filler + i));
          }
          return delta;
        }).join();
        store.update("small", d -> {
          Document delta = Document.empty();
          for (int i = 0; i < 8; i++) {
            delta.join(d.set("f" + i, filler + i));
          }
          return delta;
        }).join();
        int bigBytes = CrdtCodec.encode(store.get("big").orElseThrow()).length;
        int smallBytes = CrdtCodec.encode(store.get("small").orElseThrow()).length;
        int n = durability == Durability.ASYNC ? 50_000 : 3_000;
        // Alternate rounds so that drift in machine load hits both alike.
        double big = 0;
        double small = 0;
        for (int round = 0; round < 4; round++) {
          double b = timeUpdates(store, "big", n);
          double s = timeUpdates(store, "small", n);
          if (round > 0) {
            big += b;
            small += s;
          }
        }
        big /= 3;
        small /= 3;
        System.out.printf(Locale.ROOT, "bigdoc %s: one-register update to a %d-byte document "
            + "%.1f us, to a %d-byte document %.1f us: ratio %.2fx (target <= 2x)%n",
            durability, bigBytes, big, smallBytes, small, big / small);
      }
    }
  }

  /** Mean microseconds per update of one register, including the final fsync. */
  private static double timeUpdates(MapDbDocStore store, String key, int n) {
    long t0 = System.nanoTime();
    CompletableFuture<Document> last = null;
    for (int i = 0; i < n; i++) {
      long v = i;
      last = store.update(key, d -> d.set("r", v));
    }
    last.join();
    store.flush();
    return (System.nanoTime() - t0) / 1e3 / n;
  }

  // ---- 3. a million documents: open time, heap, the sync query -----------------------------------

  @SuppressWarnings("FutureReturnValueIgnored") // not awaited one by one: flush() makes all durable
  private static void million(Path dir) throws Exception {
    int docs = 1_000_000;
    long t0 = System.nanoTime();
    try (MapDbDocStore store = MapDbDocStore.open(StoreOptions.in(dir)
        .durability(Durability.ASYNC).build())) {
      List<Thread> ts = new ArrayList<>();
      int threads = 4;
      for (int t = 0; t < threads; t++) {
        int tt = t;
        Thread th = new Thread(() -> {
          for (int i = tt; i < docs; i += threads) {
            long v = i;
            store.update(key(i), d -> d.set("v", v));
          }
        });
        ts.add(th);
        th.start();
      }
      for (Thread th : ts) {
        th.join();
      }
      store.flush();
    }
    double populate = (System.nanoTime() - t0) / 1e9;
    long disk = sizeOf(dir);
    System.out.printf(Locale.ROOT, "million: wrote %d documents (async, 4 writers) and closed in "
        + "%.1f s; %d MB on disk%n", docs, populate, disk >> 20);

    // Five restarts, alternately crashed and clean, with writes between: the gaps a restart's
    // unused reservation leaves must not make catch-up rescan what was written since.
    Random rr = new Random(7);
    for (int restart = 0; restart < 5; restart++) {
      MapDbDocStore store = MapDbDocStore.open(StoreOptions.in(dir).build());
      for (int i = 0; i < 1000; i++) {
        long v = i;
        store.update(key(rr.nextInt(docs)), d -> d.set("r", v)).join();
      }
      if (restart % 2 == 0) {
        store.crash();
      } else {
        store.close();
      }
    }
    try (MapDbDocStore store = MapDbDocStore.open(StoreOptions.in(dir).build())) {
      CausalContext seen = store.context();
      int ranges = ranges(seen);
      for (int i = 0; i < 1000; i++) {
        long v = i;
        store.update(key(rr.nextInt(docs)), d -> d.set("m", v)).join();
      }
      long cp = store.stats().checkpoints();
      while (store.stats().checkpoints() < cp + 2) {
        Thread.sleep(50);
      }
      long reads0 = store.stats().syncReads();
      long t1 = System.nanoTime();
      int returned = 0;
      try (CloseableIterator<KeyedDelta> it = store.changedSince(seen)) {
        while (it.hasNext()) {
          it.next();
          returned++;
        }
      }
      double ms = (System.nanoTime() - t1) / 1e6;
      long read = store.stats().syncReads() - reads0;
      System.out.printf(Locale.ROOT, "million: after 5 restarts (%d context ranges), a peer missing"
          + " 1,000 updates: the sync query read %d documents to return %d (ratio %.2f; target"
          + " <= 2) in %.1f ms%n", ranges, read, returned, (double) read / returned, ms);
    }

    long heapBefore = usedHeapAfterGc();
    long o0 = System.nanoTime();
    try (MapDbDocStore store = MapDbDocStore.open(StoreOptions.in(dir).build())) {
      double openMillis = (System.nanoTime() - o0) / 1e6;
      long heapAfter = usedHeapAfterGc();
      long count = store.count();
      System.out.printf(Locale.ROOT, "million: open %.0f ms (both MapDB files checksummed whole), "
          + "heap +%.1f MB after open, count %d%n", openMillis, (heapAfter - heapBefore) / 1e6,
          count);

      Random r = new Random(42);
      double[] overlay = new double[5];
      double[] indexed = new double[5];
      for (int round = 0; round < 5; round++) {
        CausalContext seen = store.context();
        for (int i = 0; i < 1000; i++) {
          long v = i;
          store.update(key(r.nextInt(docs)), d -> d.set("w", v));
        }
        store.flush();
        overlay[round] = timeSync(store, seen);
        // Wait for a checkpoint to take the changes from the overlay into the dot index.
        long cp = store.stats().checkpoints();
        while (store.stats().checkpoints() < cp + 2) {
          Thread.sleep(50);
        }
        indexed[round] = timeSync(store, seen);
      }
      Arrays.sort(overlay);
      Arrays.sort(indexed);
      System.out.printf(Locale.ROOT, "million: sync query for ~1000 changed among %d: %.1f ms "
          + "from the journal overlay, %.1f ms from the MapDB dot index (median of 5; target < "
          + "100 ms)%n", docs, overlay[2], indexed[2]);
      long fullScan = System.nanoTime();
      long n = 0;
      for (String after = null; ; ) {
        var page = store.list("", after, 10_000);
        n += page.keys().size();
        if (page.next() == null) {
          break;
        }
        after = page.next();
      }
      System.out.printf(Locale.ROOT, "million: baseline, listing all %d keys: %.0f ms%n", n,
          (System.nanoTime() - fullScan) / 1e6);
    }
  }

  private static double timeSync(MapDbDocStore store, CausalContext seen) {
    long t0 = System.nanoTime();
    int n = 0;
    try (CloseableIterator<KeyedDelta> it = store.changedSince(seen)) {
      while (it.hasNext()) {
        it.next();
        n++;
      }
    }
    double ms = (System.nanoTime() - t0) / 1e6;
    if (n < 900 || n > 1000) {
      throw new IllegalStateException("sync query returned " + n + " documents");
    }
    return ms;
  }

  private static int ranges(CausalContext c) {
    int[] n = {0};
    c.forEachRange((r, lo, hi) -> n[0]++);
    return n[0];
  }

  private static String key(int i) {
    return String.format(Locale.ROOT, "doc%07d", i);
  }

  private static long usedHeapAfterGc() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(100);
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  private static long sizeOf(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    }
  }

  private static void deleteRecursively(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
