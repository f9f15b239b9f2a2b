package dev.meridian.benchmarks.persistence;

import com.sun.management.OperatingSystemMXBean;
import dev.meridian.persistence.MapDbDocStore;
import dev.meridian.persistence.StoreOptions;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;

/**
 * CPU per durable update in the store, by thread: writers run a closed loop of durable updates
 * (a register set and an increment, over 1,000 keys by default, as the peer benchmark's), then the store is
 * closed (its last checkpoints included); the figures are the process's CPU time and each store
 * thread's (the journal's committer and notifier, the checkpointer) per update. Uses only the
 * public store API, so the same class measures any version of the store.
 *
 * <pre>{@code
 * java -cp benchmarks/target/benchmarks.jar dev.meridian.benchmarks.persistence.WriteCpuBenchmark [updates] [keys]
 * }</pre>
 */
public final class WriteCpuBenchmark {
  private WriteCpuBenchmark() {}

  /** Runs one measurement and prints it. */
  @SuppressWarnings("FutureReturnValueIgnored") // the callback frees a slot; the last 64 awaited
  public static void main(String[] args) throws Exception {
    int updates = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
    int keys = args.length > 1 ? Integer.parseInt(args[1]) : 1_000;
    Path dir = Files.createTempDirectory("meridian-cpu");
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    Map<String, Long> byThread = new TreeMap<>();
    long cpu0 = os.getProcessCpuTime();
    long t0 = System.nanoTime();
    MapDbDocStore store = MapDbDocStore.open(StoreOptions.in(dir).build());
    Semaphore window = new Semaphore(64);
    List<CompletableFuture<?>> last = new ArrayList<>();
    for (int i = 0; i < updates; i++) {
      window.acquire();
      int n = i;
      CompletableFuture<?> f = store.update("k" + (n % keys), d -> {
        var delta = d.increment("count", 1);
        delta.join(d.set("last", (long) n));
        return delta;
      });
      f.whenComplete((v, t) -> window.release());
      if (i >= updates - 64) {
        last.add(f);
      }
    }
    CompletableFuture.allOf(last.toArray(new CompletableFuture<?>[0])).join();
    long writeNanos = System.nanoTime() - t0;
    for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
      if (info != null && info.getThreadName().startsWith("meridian-")) {
        byThread.merge(info.getThreadName().replaceAll("-\\d+$", ""),
            threads.getThreadCpuTime(info.getThreadId()), Long::sum);
      }
    }
    store.close();
    long cpu = os.getProcessCpuTime() - cpu0;
    System.out.printf(Locale.ROOT, "%,d durable updates over %,d keys in %.2f s (%,.0f/s);"
        + " process CPU %.1f us per update (close included)%n", updates, keys, writeNanos / 1e9,
        updates / (writeNanos / 1e9), cpu / 1e3 / updates);
    byThread.forEach((name, nanos) -> System.out.printf(Locale.ROOT,
        "  thread %s: %.1f us per update%n", name, nanos / 1e3 / updates));
  }
}
