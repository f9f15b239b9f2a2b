package dev.meridian.peer.testkit;

import dev.meridian.transport.sync.SyncConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The replication settings of a {@link Cluster}'s sites: a full mesh in which each site dials the
 * sites before it, with the engine's timings scaled down to the simulated network's milliseconds
 * (a push within 1 ms, acknowledgements within 2 ms, a sync round every 100 ms, a stream idle for
 * a second ended, reconnects from 20 ms backing off to 500 ms).
 */
final class SiteConfig {
  private SiteConfig() {}

  /** The address of site {@code i} on the simulated network (as {@code SimNode} names it). */
  static String address(int i) {
    return "n" + i + ":7000";
  }

  /** The settings of site {@code i}. */
  static SyncConfig of(int i) {
    List<String> peers = new ArrayList<>();
    for (int j = 0; j < i; j++) {
      peers.add(address(j)); // a full mesh: each site dials those before it
    }
    return SyncConfig.builder("testkit")
        .advertisedAddress(address(i))
        .peers(peers)
        .learnPeers(false)
        .pushDelay(Duration.ofMillis(1))
        .ackDelay(Duration.ofMillis(2))
        .syncInterval(Duration.ofMillis(100))
        .pingInterval(Duration.ofMillis(300))
        .idleTimeout(Duration.ofMillis(1000))
        .probeTimeout(Duration.ofMillis(400))
        .reconnect(Duration.ofMillis(20), Duration.ofMillis(500))
        .compressBatches(false) // frames here are lost and reordered; compression needs a stream
        .build();
  }
}
