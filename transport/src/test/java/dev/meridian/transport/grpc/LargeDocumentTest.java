package dev.meridian.transport.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.meridian.crdt.Replica;
import dev.meridian.crdt.codec.CrdtCodec;
import dev.meridian.crdt.doc.Document;
import dev.meridian.transport.store.InMemoryReplicaStore;
import dev.meridian.transport.sync.SyncConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Documents larger than a frame replicate over real gRPC (mutual TLS, 127.0.0.1), by catch-up to
 * a fresh peer and by push between connected peers, in parts, on one stream that never resets.
 *
 * <p>The full-size case (a map of 1,000,000 keys and a 5 MB text) runs with {@code
 * -Dmeridian.largeDocuments=true}: {@code mvn -o -q -pl transport -am test
 * -Dtest=LargeDocumentTest -Dsurefire.failIfNoSpecifiedTests=false -Dmeridian.largeDocuments=true}.
 */
class LargeDocumentTest {
  private static final Logger LOG = LoggerFactory.getLogger(LargeDocumentTest.class);
  private static final String CLUSTER = "large-cluster";

  @TempDir
  static Path certs;

  static TestPki pki;

  private final List<AutoCloseable> closeables = new ArrayList<>();

  @BeforeAll
  static void makeCertificates() throws IOException, GeneralSecurityException {
    pki = new TestPki(certs, "meridian-ca");
  }

  @AfterEach
  void closeAll() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
  }

  /** Small frames (64 KiB, parts of 32 KiB) make documents of a few MB travel in many parts. */
  @Test
  void catchUp_documentsOfManyFrames_reachAFreshPeer() throws Exception {
    SyncConfig.Builder tuning = SyncConfig.builder(CLUSTER).maxMessageBytes(64 << 10)
        .maxBatchBytes(32 << 10);
    long millis = freshPeerReceives(30_000, 1_000_000, tuning, Duration.ofSeconds(60));
    LOG.info("30,000 keys and a 1 MB text reached a fresh peer in {} ms", millis);
  }

  @Test
  void push_largeWriteBetweenConnectedPeers_arrivesInParts() throws Exception {
    InMemoryReplicaStore a = InMemoryReplicaStore.create(Replica.random());
    InMemoryReplicaStore b = InMemoryReplicaStore.create(Replica.random());
    a.update("small", d -> d.set("x", 1));
    int pa = ReplicationNodeTest.freePort();
    int pb = ReplicationNodeTest.freePort();
    SyncConfig.Builder tuning = SyncConfig.builder(CLUSTER).maxMessageBytes(64 << 10)
        .maxBatchBytes(32 << 10);
    ReplicationNode na = start(a, config(tuning, "replica-a", pa, List.of()), "replica-a", pa);
    ReplicationNode nb = start(b, config(tuning, "replica-b", pb, List.of("127.0.0.1:" + pa)),
        "replica-b", pb);
    ReplicationNodeTest.awaitConverged(new InMemoryReplicaStore[] {a, b},
        new ReplicationNode[] {na, nb}, Duration.ofSeconds(20));
    // One write whose delta is about 400 KB: it cannot be pushed whole in a 64 KiB frame.
    a.update("wide", d -> {
      Document delta = null;
      for (int i = 0; i < 20_000; i++) {
        Document x = d.set("k" + i, "value-" + i);
        if (delta == null) {
          delta = x;
        } else {
          delta.join(x);
        }
      }
      return delta;
    });
    assertTrue(CrdtCodec.encode(a.get("wide")).length > 10 * (64 << 10), "a multi-frame delta");
    ReplicationNodeTest.awaitConverged(new InMemoryReplicaStore[] {a, b},
        new ReplicationNode[] {na, nb}, Duration.ofSeconds(60));
    assertEquals(a.get("wide"), b.get("wide"));
    assertNoReset(na, nb);
  }

  /** The issue's figure: a 1,000,000-key map and a 5 MB text, default limits (4 MiB frames). */
  @Test
  @EnabledIfSystemProperty(named = "meridian.largeDocuments", matches = "true")
  void catchUp_millionKeysAndFiveMegabyteText_reachAFreshPeer() throws Exception {
    long millis = freshPeerReceives(1_000_000, 5_000_000, SyncConfig.builder(CLUSTER),
        Duration.ofMinutes(10));
    LOG.info("1,000,000 keys and a 5 MB text reached a fresh peer in {} ms", millis);
  }

  /**
   * Writes a map of {@code keys} keys and a text of {@code chars} characters at one peer, starts a
   * fresh peer that dials it, and waits until both hold the same documents and contexts.
   *
   * @return the milliseconds from the fresh peer's start until it holds every event (its context
   *     equals the writer's); the documents are compared after
   */
  private long freshPeerReceives(int keys, int chars, SyncConfig.Builder tuning, Duration timeout)
      throws Exception {
    InMemoryReplicaStore a = InMemoryReplicaStore.create(Replica.random());
    int perWrite = 1_000;
    for (int w = 0; w < keys / perWrite; w++) {
      int base = w * perWrite;
      a.update("big/map", d -> {
        Document delta = null;
        for (int i = base; i < base + perWrite; i++) {
          Document x = d.set(String.format("key-%07d", i), "v" + i);
          if (delta == null) {
            delta = x;
          } else {
            delta.join(x);
          }
        }
        return delta;
      });
    }
    StringBuilder text = new StringBuilder(chars);
    Random random = new Random(42);
    while (text.length() < chars) {
      text.append((char) ('a' + random.nextInt(26)));
    }
    a.update("big/text", d -> d.insertText("body", 0, text.toString()));
    a.update("small", d -> d.set("x", 1));
    int mapBytes = CrdtCodec.encode(a.get("big/map")).length;
    int textBytes = CrdtCodec.encode(a.get("big/text")).length;
    LOG.info("encoded sizes: map of {} keys {} bytes, text of {} chars {} bytes", keys, mapBytes,
        chars, textBytes);
    SyncConfig probe = tuning.build();
    assertTrue(mapBytes > probe.maxMessageBytes() && textBytes > probe.maxPartBytes(),
        "documents larger than a frame / a part");

    int pa = ReplicationNodeTest.freePort();
    ReplicationNode na = start(a, config(tuning, "replica-a", pa, List.of()), "replica-a", pa);
    InMemoryReplicaStore b = InMemoryReplicaStore.create(Replica.random());
    int pb = ReplicationNodeTest.freePort();
    long start = System.nanoTime();
    ReplicationNode nb = start(b, config(tuning, "replica-b", pb, List.of("127.0.0.1:" + pa)),
        "replica-b", pb);
    // Contexts first (cheap): copying a million-key document every poll would slow the peers.
    long deadline = start + timeout.toNanos();
    while (!a.context().equals(b.context()) && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    long millis = (System.nanoTime() - start) / 1_000_000;
    ReplicationNodeTest.awaitConverged(new InMemoryReplicaStore[] {a, b},
        new ReplicationNode[] {na, nb}, Duration.ofSeconds(30));
    assertEquals(a.get("big/map"), b.get("big/map"));
    assertEquals(a.get("big/text"), b.get("big/text"));
    assertEquals(keys, b.get("big/map").asMap().size());
    assertEquals(text.toString(), b.get("big/text").get("body"));
    assertNoReset(na, nb);
    return millis;
  }

  /** One stream each way opened once, nothing refused, nothing skipped as oversized. */
  private static void assertNoReset(ReplicationNode... nodes) {
    for (ReplicationNode n : nodes) {
      assertEquals(0, n.refusals(), "refusals at " + n.peers());
      assertEquals(0, n.oversizedDeltas(), "oversized deltas at " + n.peers());
      assertEquals(1, n.sessionsOpened(), "streams opened (a reset reopens one): " + n.peers());
    }
  }

  private static SyncConfig config(SyncConfig.Builder tuning, String site, int port,
      List<String> peers) {
    return tuning.site(site).advertisedAddress("127.0.0.1:" + port).peers(peers)
        .syncInterval(Duration.ofMillis(200))
        .reconnect(Duration.ofMillis(50), Duration.ofSeconds(1))
        .build();
  }

  private ReplicationNode start(InMemoryReplicaStore store, SyncConfig config, String name,
      int port) throws Exception {
    ReplicationNode n = ReplicationNode.startNetty(store, config, pki.issuePeer(name),
        new InetSocketAddress("127.0.0.1", port));
    closeables.add(n);
    return n;
  }
}
