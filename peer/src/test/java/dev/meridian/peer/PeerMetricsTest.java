package dev.meridian.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A host application's Micrometer registry, as a Spring Boot or Quarkus application holds one,
 * sees the peer's meters while the peer is open, and none once it closed.
 */
class PeerMetricsTest {
  @TempDir
  Path dir;

  private Meridian open(String name, List<String> peers, MeterRegistry registry)
      throws Exception {
    return Meridian.builder().dataDir(dir.resolve(name)).site(name).listen("127.0.0.1:0")
        .peers(peers).meterRegistry(registry)
        .syncTuning(b -> b.syncInterval(Duration.ofMillis(200)).reconnect(Duration.ofMillis(50),
            Duration.ofMillis(500)))
        .open();
  }

  @Test
  void hostRegistry_seesWritesCommitsAndStoreMeters_andNoneAfterClose() throws Exception {
    MeterRegistry host = new SimpleMeterRegistry();
    try (Meridian m = open("lisbon", List.of(), host)) {
      m.update("a", d -> d.set("x", 1)).join();
      m.update("b", d -> d.set("x", 2)).join();
      assertEquals(2.0, host.get("meridian.writes").functionCounter().count());
      Timer commit = host.get("meridian.commit").timer();
      assertEquals(2, commit.count());
      assertEquals(2.0, host.get("meridian.documents").gauge().value());
      assertTrue(host.get("meridian.journal.bytes").gauge().value() > 0);
      Gauge info = host.get("meridian.info").tag("site", "lisbon")
          .tag("replica", m.replicaId()).gauge();
      assertEquals(1.0, info.value());
    }
    assertTrue(host.getMeters().stream().noneMatch(x -> x.getId().getName().startsWith("meridian")),
        "meters left in the host registry: " + host.getMeters());
  }

  @Test
  void hostRegistry_followsStreams_upWhileOpen_downAfterThePeerCloses() throws Exception {
    MeterRegistry host = new SimpleMeterRegistry();
    try (Meridian a = TestPeers.open(dir, "a", List.of())) {
      String addr = a.listenAddress();
      String aId = a.replicaId();
      try (Meridian b = open("b", List.of(addr), host)) {
        a.update("k", d -> d.set("v", 1)).join();
        TestPeers.await("b's registry shows the stream to a up, with a delta in", 30,
            () -> value(host, "meridian.peer.up", aId, addr) == 1.0
                && deltasIn(host, aId, addr) >= 1.0);
        assertEquals(0.0, host.get("meridian.peer.lag.writes").tag("peer", aId)
            .tag("address", addr).tag("direction", "out").gauge().value());
        a.close();
        TestPeers.await("b's registry shows a down", 30,
            () -> value(host, "meridian.peer.up", aId, addr) == 0.0);
        TestPeers.await("the lag of a down peer is unknown and has no meter", 30,
            () -> host.find("meridian.peer.lag.writes").tag("peer", aId).gauge() == null);
      }
    }
  }

  @Test
  void hostRegistry_holdingAnotherOpenPeersMeters_isRefused_andLeftAsItWas() throws Exception {
    MeterRegistry host = new SimpleMeterRegistry();
    try (Meridian first = open("first", List.of(), host)) {
      int meters = host.getMeters().size();
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> open("second", List.of(), host));
      assertEquals("the meter registry already holds the meters of the open peer first: give each"
          + " peer a registry of its own", e.getMessage());
      assertEquals(meters, host.getMeters().size());
      assertTrue(Files.notExists(dir.resolve("second")), "the refused peer left its directory");
      first.update("a", d -> d.set("x", 1)).join();
      assertEquals(1.0, host.get("meridian.writes").functionCounter().count());
    }
    try (Meridian again = open("again", List.of(), host)) {
      assertNull(host.find("meridian.info").tag("site", "first").gauge());
      assertEquals(0.0, host.get("meridian.writes").functionCounter().count());
    }
  }

  private static double value(MeterRegistry r, String name, String peer, String address) {
    Gauge g = r.find(name).tag("peer", peer).tag("address", address).tag("direction", "out")
        .gauge();
    return g == null ? Double.NaN : g.value();
  }

  private static double deltasIn(MeterRegistry r, String peer, String address) {
    FunctionCounter c = r.find("meridian.peer.deltas.in").tag("peer", peer)
        .tag("address", address).tag("direction", "out").functionCounter();
    return c == null ? Double.NaN : c.count();
  }
}
