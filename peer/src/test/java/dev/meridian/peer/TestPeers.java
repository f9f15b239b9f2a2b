package dev.meridian.peer;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Embedded peers for tests: on 127.0.0.1, an ephemeral port, short sync and reconnect timings. */
public final class TestPeers {
  private TestPeers() {}

  /** A peer named {@code name} with its data in {@code dir/name}, dialling {@code peers}. */
  public static Meridian open(Path dir, String name, List<String> peers) throws Exception {
    return openIn(dir.resolve(name), name, peers);
  }

  /** A peer named {@code name} with its data in {@code dataDir}, dialling {@code peers}. */
  public static Meridian openIn(Path dataDir, String name, List<String> peers) throws Exception {
    return Meridian.builder().dataDir(dataDir).site(name).listen("127.0.0.1:0").peers(peers)
        .syncTuning(b -> b.syncInterval(Duration.ofMillis(200)).reconnect(Duration.ofMillis(50),
            Duration.ofMillis(500)))
        .open();
  }

  /** Waits up to {@code seconds} for {@code condition}; fails naming {@code what}. */
  public static void await(String what, long seconds, BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting until " + what);
      }
      Thread.sleep(20);
    }
  }
}
