package dev.meridian.persistence;

import dev.meridian.crdt.Replica;
import dev.meridian.crdt.ReplicaId;
import dev.meridian.crdt.clock.HybridClock;
import dev.meridian.crdt.doc.Document;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;

/**
 * The writer process of {@link CrashRecoveryTest}: opens the store, prints {@code OPEN <repairs>},
 * then writes from several threads with durable acks and prints {@code ACK <key> <seq>} after each
 * acknowledged write, until it is killed. Local updates and remote deltas both; checkpoints are
 * made small and frequent so kills land in them.
 *
 * <p>Arguments: data directory, first sequence number (unique across runs).
 */
public final class CrashWriter {
  private CrashWriter() {}

  /** Runs until killed. */
  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    long firstSeq = Long.parseLong(args[1]);
    PrintStream out = System.out;
    MapDbDocStore store = MapDbDocStore.open(StoreOptions.in(dir)
        .durability(Durability.DURABLE)
        .checkpointBytes(8 << 10)
        .checkpointInterval(Duration.ofMillis(20))
        .segmentBytes(64 << 10)
        .build());
    synchronized (out) {
      out.println("OPEN " + store.recoveryReport().repairs() + " " + store.recoveryReport());
      out.flush();
    }
    // A remote replica that resumes from a dot counter derived from the sequence: unique dots.
    Replica remote = Replica.resume(ReplicaId.of(0x5eed), firstSeq, new HybridClock());
    int threads = 4;
    List<Thread> ts = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int tt = t;
      Thread th = new Thread(() -> write(store, remote, tt, threads, firstSeq, out));
      ts.add(th);
      th.start();
    }
    for (Thread th : ts) {
      th.join();
    }
  }

  private static void write(MapDbDocStore store, Replica remote, int t, int threads, long firstSeq,
      PrintStream out) {
    Semaphore inFlight = new Semaphore(2);
    // The remote replica mutates one state per document, as a replica must.
    java.util.Map<String, Document> remoteDocs = new java.util.HashMap<>();
    for (long i = 0; ; i++) {
      long seq = firstSeq + i * threads + t;
      String key;
      CompletableFuture<?> f;
      inFlight.acquireUninterruptibly();
      if (t == 0) {
        key = "r" + (seq % 64);
        Document d = remoteDocs.computeIfAbsent(key, x -> Document.create(remote));
        f = store.applyRemote(key, d.set("f" + seq, seq));
      } else {
        key = "k" + (seq % 256);
        f = store.update(key, d -> d.set("f" + seq, seq));
      }
      String k = key;
      f.whenComplete((v, e) -> {
        inFlight.release();
        if (e == null) {
          synchronized (out) {
            out.println("ACK " + k + " " + seq);
            out.flush();
          }
        }
      });
    }
  }
}
