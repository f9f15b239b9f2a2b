package dev.meridian.transport.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.meridian.crdt.Replica;
import dev.meridian.crdt.ReplicaId;
import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.clock.HybridClock;
import dev.meridian.crdt.codec.CrdtCodec;
import dev.meridian.crdt.doc.Document;
import dev.meridian.crdt.map.OrMap;
import dev.meridian.crdt.store.DotMap;
import dev.meridian.transport.proto.Delta;
import dev.meridian.transport.proto.DeltaBatch;
import dev.meridian.transport.proto.Hello;
import dev.meridian.transport.proto.SyncFrame;
import dev.meridian.crdt.doc.KeyedDelta;
import dev.meridian.transport.store.InMemoryReplicaStore;
import dev.meridian.transport.sync.SyncConfig;
import io.grpc.Status;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Peers that lie, over real gRPC: each forged delta is refused with a Goodbye naming what was
 * wrong, counted under its kind, and changes nothing (documents and store context as before).
 */
class HostilePeerTest {
  private static final String CLUSTER = "hostile-cluster";

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

  /** A listening replica B holding a document written by replica A (replicated to B). */
  private final class Target {
    final Replica writer = Replica.random();
    final InMemoryReplicaStore store = InMemoryReplicaStore.create(Replica.random());
    final ReplicationNode node;
    final int port;
    final TreeMap<String, Document> docs;
    final CausalContext context;

    Target() throws Exception {
      Document doc = Document.create(writer);
      Document delta = doc.insertText("body", 0, "hello");
      delta.join(doc.set("title", "greeting"));
      store.apply(List.of(KeyedDelta.of("doc", delta)));
      store.update("own", d -> d.set("x", 1)); // B's own counter is now 1
      port = ReplicationNodeTest.freePort();
      node = ReplicationNode.startNetty(store, SyncConfig.builder(CLUSTER).site("replica-b")
          .advertisedAddress("127.0.0.1:" + port).syncInterval(Duration.ofMillis(200)).build(),
          pki.issuePeer("replica-b"), new InetSocketAddress("127.0.0.1", port));
      closeables.add(node);
      docs = store.documents();
      context = store.context();
    }

    /** Sends {@code delta} under {@code key} from a fresh raw peer; returns how the stream ended. */
    Status send(String key, Document delta) throws Exception {
      ReplicationNodeTest.RawPeer peer = ReplicationNodeTest.RawPeer.open(port,
          pki.issuePeer("liar"), null);
      closeables.add(peer);
      peer.send(SyncFrame.newBuilder().setHello(Hello.newBuilder()
          .setProtocolVersion(SyncConfig.PROTOCOL_VERSION).setClusterId(CLUSTER).setSite("liar")
          .setReplicaId(ReplicaId.random().value())
          .setContext(ByteString.copyFrom(CrdtCodec.encode(new CausalContext())))).build());
      SyncFrame hello = peer.frames.poll(5, TimeUnit.SECONDS);
      assertNotNull(hello);
      assertTrue(hello.hasHello(), "answered with a Hello: " + hello);
      peer.send(SyncFrame.newBuilder().setBatch(DeltaBatch.newBuilder().setSeq(1)
          .addDeltas(Delta.newBuilder().setKey(key)
              .setDelta(ByteString.copyFrom(CrdtCodec.encode(delta))))).build());
      Status s = peer.awaitStatus();
      SyncFrame goodbye;
      do {
        goodbye = peer.frames.poll(5, TimeUnit.SECONDS);
      } while (goodbye != null && !goodbye.hasGoodbye());
      assertNotNull(goodbye, "a Goodbye before the end");
      assertEquals(s.getCode().value(), goodbye.getGoodbye().getCode());
      return s;
    }

    void assertUnchanged() {
      assertEquals(docs, store.documents(), "documents changed");
      assertEquals(context, store.context(), "store context changed");
    }

    Map<String, Long> kinds() {
      return node.refusalsByKind();
    }
  }

  /** A delta with no store and a context of {@code range} dots of {@code replica}, from 1. */
  private static Document forgedContext(ReplicaId replica, long last) {
    CausalContext claim = new CausalContext();
    claim.addRange(replica, 1, last);
    return Document.of(OrMap.of(new DotMap<>(), claim, false));
  }

  @Test
  void apply_forgedContextOverAnotherReplicasCounters_isRefused() throws Exception {
    Target t = new Target();
    Status s = t.send("doc", forgedContext(t.writer.id(), 1L << 61));
    assertEquals(Status.Code.INVALID_ARGUMENT, s.getCode(), s.toString());
    assertTrue(s.getDescription().contains("above the plausible maximum 2^48"), s.toString());
    t.assertUnchanged();
    assertEquals(Map.of("implausible-counter", 1L), t.kinds());
    // Still writable by A: a later write of A's reaches the document.
    assertEquals("hello", t.store.get("doc").get("body"));
  }

  @Test
  void apply_claimOnThisReplicasFutureDots_isRefused() throws Exception {
    Target t = new Target();
    ReplicaId self = t.store.replicaId();
    Status s = t.send("own", forgedContext(self, 1_000));
    assertEquals(Status.Code.INVALID_ARGUMENT, s.getCode(), s.toString());
    assertTrue(s.getDescription().contains("claims dot 1000 of this replica"), s.toString());
    assertTrue(s.getDescription().contains("issued only up to 1"), s.toString());
    t.assertUnchanged();
    assertEquals(Map.of("own-dots", 1L), t.kinds());
    // A write with this replica's own identity and a counter it never issued, too.
    Document forged = Document.create(Replica.resume(self, 50, new HybridClock()))
        .set("x", "mine");
    Status again = t.send("own", forged);
    assertTrue(again.getDescription().contains("claims dot 51 of this replica"), again.toString());
    t.assertUnchanged();
    assertEquals(Map.of("own-dots", 2L), t.kinds());
  }

  @Test
  void apply_textRecordWithTheSameIdsAndOtherCharacters_isRefused() throws Exception {
    Target t = new Target();
    // A's identity, counters from 1 again: the same element ids as "hello", other content.
    Document liar = Document.create(Replica.resume(t.writer.id(), 0, new HybridClock()));
    Status s = t.send("doc", liar.insertText("body", 0, "HELLO"));
    assertEquals(Status.Code.INVALID_ARGUMENT, s.getCode(), s.toString());
    assertTrue(s.getDescription().contains("holds other characters"), s.toString());
    t.assertUnchanged();
    assertEquals(Map.of("conflicting-record", 1L), t.kinds());
  }

  @Test
  void apply_textRecordWithTheSameIdsAndOtherOrigins_isRefused() throws Exception {
    Target t = new Target();
    Document liar = Document.create(Replica.resume(t.writer.id(), 0, new HybridClock()));
    liar.insertText("other", 0, "xy"); // dots 1-2 elsewhere
    Document insert = liar.insertText("body", 0, "abc"); // ids 3-5: "llo" here, after "he"
    Status s = t.send("doc", insert);
    assertEquals(Status.Code.INVALID_ARGUMENT, s.getCode(), s.toString());
    assertTrue(s.getDescription().contains("another left origin"), s.toString());
    t.assertUnchanged();
  }

  @Test
  void apply_registerDotWithAnotherValue_isRefused() throws Exception {
    Target t = new Target();
    Document liar = Document.create(Replica.resume(t.writer.id(), 0, new HybridClock()));
    liar.insertText("scratch", 0, "12345"); // burn dots 1-5 as the original did
    Status s = t.send("doc", liar.set("title", "forged")); // dot 6, as "greeting"
    assertEquals(Status.Code.INVALID_ARGUMENT, s.getCode(), s.toString());
    assertTrue(s.getDescription().contains("'title"), s.toString());
    t.assertUnchanged();
    assertEquals(Map.of("conflicting-record", 1L), t.kinds());
  }
}
