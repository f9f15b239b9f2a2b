package dev.meridian.transport.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.meridian.crdt.ReplicaId;
import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.transport.proto.Hello;
import dev.meridian.transport.proto.PeerAddress;
import dev.meridian.transport.proto.SyncFrame;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Hello checks: versions, features, and the form of learned addresses. */
class HandshakeTest {
  private static final SyncConfig CONFIG = SyncConfig.builder("c").build();
  private static final ReplicaId SELF = ReplicaId.random();

  private static Hello.Builder hello() {
    return Handshake.hello(CONFIG, ReplicaId.random(), new CausalContext(), List.of(), List.of())
        .toBuilder();
  }

  @Test
  void check_otherProtocolVersion_isRefusedNamingBothVersions() {
    BadFrameException e = assertThrows(BadFrameException.class,
        () -> Handshake.check(hello().setProtocolVersion(7).build(), CONFIG, SELF));
    assertEquals(Refusal.Code.FAILED_PRECONDITION, e.refusal().code());
    assertEquals("protocol version 7 is not spoken here (this replica speaks 1)",
        e.refusal().reason());
    BadFrameException older = assertThrows(BadFrameException.class,
        () -> Handshake.check(hello().setProtocolVersion(0).build(), CONFIG, SELF));
    assertEquals("protocol version 0 is not spoken here (this replica speaks 1)",
        older.refusal().reason());
  }

  @Test
  void check_siteName_mustBeASiteName() throws Exception {
    assertEquals("porto", Handshake.check(hello().setSite("porto").build(), CONFIG, SELF).site());
    BadFrameException e = assertThrows(BadFrameException.class,
        () -> Handshake.check(hello().setSite("por to/../x").build(), CONFIG, SELF));
    assertTrue(e.refusal().reason().contains("is not 1 to 64 of"), e.refusal().reason());
  }

  @Test
  void check_ownHello_listsTheFeaturesItSpeaks() throws Exception {
    Handshake.PeerHello p = Handshake.check(hello().build(), CONFIG, SELF);
    assertTrue(p.features().contains(Handshake.DELTA_PARTS));
    Handshake.PeerHello unknown = Handshake.check(hello().addFeatures("from-the-future").build(),
        CONFIG, SELF);
    assertTrue(unknown.features().contains("from-the-future"), "unknown names are kept, unused");
  }

  @Test
  void check_learnedAddresses_mustBeAddresses() throws Exception {
    Handshake.PeerHello ok = Handshake.check(hello().addKnownPeers("10.0.0.1:7000")
        .addKnownAddresses(PeerAddress.newBuilder().setAddress("[::1]:7000").setReplicaId(5))
        .addKnownPeers("db-1.example.org:443").build(), CONFIG, SELF);
    assertEquals(List.of("10.0.0.1:7000", "db-1.example.org:443", "[::1]:7000"), ok.known());
    for (String bad : List.of("host:0", "host:70000", "a b:1", "http://x:1", "x:1/y", "\u0000:1",
        ":80", "")) {
      BadFrameException e = assertThrows(BadFrameException.class, () -> Handshake.check(
          hello().addKnownPeers(bad).build(), CONFIG, SELF), bad);
      assertTrue(e.refusal().reason().contains("is not an address"), e.refusal().reason());
      assertThrows(BadFrameException.class, () -> Handshake.check(hello().addKnownAddresses(
          PeerAddress.newBuilder().setAddress(bad)).build(), CONFIG, SELF), bad);
    }
    assertThrows(BadFrameException.class, () -> Handshake.check(
        hello().setAdvertisedAddress("evil host:1").build(), CONFIG, SELF));
  }

  @Test
  void check_tooManyFeatures_isRefused() {
    Hello.Builder h = hello();
    for (int i = 0; i < 64; i++) { // 64 plus the one hello() lists
      h.addFeatures("f" + i);
    }
    BadFrameException e = assertThrows(BadFrameException.class,
        () -> Handshake.check(h.build(), CONFIG, SELF));
    assertTrue(e.refusal().reason().contains("65 features, at most 64"), e.refusal().reason());
  }

  @Test
  void accept_pastTheHandshakesInFlight_isRefused_untilOneCompletes() {
    dev.meridian.transport.store.InMemoryReplicaStore store =
        dev.meridian.transport.store.InMemoryReplicaStore.create(dev.meridian.crdt.Replica.random());
    Replicator r = new Replicator(store, CONFIG, new java.util.Random(1), 0);
    List<SyncSession> waiting = new java.util.ArrayList<>();
    for (int i = 0; i < Replicator.MAX_HANDSHAKES; i++) {
      SyncSession s = r.accept("peer" + i, 0);
      assertTrue(!s.isClosing(), "within the limit");
      waiting.add(s);
    }
    SyncSession extra = r.accept("one-more", 0);
    assertTrue(extra.isClosing());
    assertEquals(Refusal.Code.RESOURCE_EXHAUSTED, extra.closeReason().code());
    assertEquals("64 streams are in their handshake here, the most accepted at once; retry later",
        extra.closeReason().reason());
    assertTrue(extra.poll(0).hasGoodbye());
    assertEquals(java.util.Map.of("handshakes", 1L), r.refusalsByKind());
    // One completes its handshake: room for another.
    r.receive(waiting.get(0), SyncFrame.newBuilder().setHello(hello()).build(), 100, 0);
    assertTrue(waiting.get(0).isOpen());
    assertTrue(!r.accept("now-fits", 0).isClosing());
  }
}
