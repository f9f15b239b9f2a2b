package dev.meridian.transport.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.meridian.crdt.Replica;
import dev.meridian.transport.proto.SyncFrame;
import dev.meridian.transport.store.InMemoryReplicaStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Relays on a lossless wire: a partial mesh relays, a full mesh does not. */
class RelayTest {
  private static final long MS = 1_000_000;

  /** Replicators joined by lossless links, driven by hand. */
  static final class Mesh {
    final List<InMemoryReplicaStore> stores = new ArrayList<>();
    final List<Replicator> nodes = new ArrayList<>();
    final List<SyncSession[]> links = new ArrayList<>(); // {session at i, session at j}
    final List<int[]> ends = new ArrayList<>();
    long now = 1;

    Mesh(int n) {
      for (int i = 0; i < n; i++) {
        InMemoryReplicaStore s = InMemoryReplicaStore.create(Replica.random());
        Replicator r = new Replicator(s, SyncConfig.builder("c")
            .syncInterval(Duration.ofMillis(500)).build(), new Random(i), now);
        s.subscribe(d -> r.onLocalDelta(d, now));
        stores.add(s);
        nodes.add(r);
      }
    }

    void link(int i, int j) {
      links.add(new SyncSession[] {nodes.get(i).connect("n" + j, now),
          nodes.get(j).accept("n" + i, now)});
      ends.add(new int[] {i, j});
      settle();
    }

    void settle() {
      boolean moved = true;
      while (moved) {
        moved = false;
        for (int k = 0; k < links.size(); k++) {
          SyncSession[] l = links.get(k);
          int[] e = ends.get(k);
          moved |= move(l[0], nodes.get(e[1]), l[1]) | move(l[1], nodes.get(e[0]), l[0]);
        }
      }
    }

    void advance(long nanos) {
      for (long end = now + nanos; now < end; ) {
        now = Math.min(end, now + MS);
        nodes.forEach(r -> r.tick(now));
        settle();
      }
    }

    private boolean move(SyncSession from, Replicator to, SyncSession at) {
      boolean moved = false;
      SyncFrame f;
      while ((f = from.poll(now)) != null) {
        to.receive(at, f, f.getSerializedSize(), now);
        moved = true;
      }
      return moved;
    }

    long deltasSent(int i) {
      return nodes.get(i).peers().stream().mapToLong(PeerStats::deltasOut).sum();
    }
  }

  @Test
  void chain_relaysWritesToTheFarEnd() {
    Mesh m = new Mesh(3);
    m.link(0, 1);
    m.link(1, 2); // 0 and 2 are not connected
    m.advance(5 * MS);
    m.stores.get(0).update("k", d -> d.set("x", 1));
    m.advance(5 * MS); // push, then relay: well before any periodic catch-up
    assertEquals(m.stores.get(0).documents(), m.stores.get(2).documents());
    assertTrue(m.deltasSent(1) >= 1, "the middle replica relayed");
  }

  @Test
  void fullMesh_doesNotRelay() {
    Mesh m = new Mesh(3);
    m.link(0, 1);
    m.link(1, 2);
    m.link(0, 2);
    m.advance(50 * MS); // acks tell everyone who is connected to whom
    for (int w = 0; w < 30; w++) {
      m.stores.get(w % 3).update("k" + w, d -> d.set("x", 1));
      m.advance(2 * MS);
    }
    m.advance(20 * MS);
    for (int i = 1; i < 3; i++) {
      assertEquals(m.stores.get(0).documents(), m.stores.get(i).documents());
    }
    // Each write went once to each of the two other replicas: 30 writes, 60 deltas in all.
    assertEquals(60, m.deltasSent(0) + m.deltasSent(1) + m.deltasSent(2));
  }
}
