package dev.meridian.transport.sync;

import dev.meridian.crdt.ReplicaId;
import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.transport.proto.Hello;
import dev.meridian.transport.proto.Peers;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Hello frames: what a replica says of itself, and the checks of what a peer says. */
final class Handshake {
  /** Most replica ids accepted in a Peers list. */
  static final int MAX_CONNECTED = 1024;

  private Handshake() {}

  /** What a valid Hello says. */
  record PeerHello(ReplicaId replica, CausalContext context, Set<ReplicaId> connected,
      boolean acceptsCompression, String advertised, List<String> known) {}

  /** This replica's Hello. */
  static Hello hello(SyncConfig config, ReplicaId self, CausalContext context,
      List<String> known, List<ReplicaId> connected) {
    Hello.Builder h = Hello.newBuilder()
        .setProtocolVersion(SyncConfig.PROTOCOL_VERSION)
        .setClusterId(config.clusterId)
        .setReplicaId(self.value())
        .setContext(Frames.encodeContext(context))
        .setAdvertisedAddress(config.advertisedAddress)
        .setConnected(peers(connected));
    if (config.learnPeers) {
      h.addAllKnownPeers(known);
    }
    if (config.compressBatches) {
      h.addCompression(StreamCompression.NAME);
    }
    return h.build();
  }

  /**
   * The reason a replica gives when a Hello carries its own id. The dialing side, which gets this
   * Goodbye instead of a Hello, recognises itself by the id in it and stops dialing that address.
   */
  static String selfReason(ReplicaId self) {
    return "connected to itself (replica " + self + ")";
  }

  /**
   * Checks a peer's Hello completely: version, cluster, identity (not {@code self}, on the
   * allowlist if there is one), sizes, context.
   *
   * @throws BadFrameException naming the first problem
   */
  static PeerHello check(Hello h, SyncConfig config, ReplicaId self) throws BadFrameException {
    if (h.getProtocolVersion() != SyncConfig.PROTOCOL_VERSION) {
      throw new BadFrameException(Refusal.Code.FAILED_PRECONDITION, String.format(Locale.ROOT,
          "protocol version %d is not spoken here (this replica speaks %d)",
          h.getProtocolVersion(), SyncConfig.PROTOCOL_VERSION));
    }
    if (!h.getClusterId().equals(config.clusterId)) {
      throw new BadFrameException(Refusal.Code.FAILED_PRECONDITION,
          "cluster id mismatch: this replica belongs to '" + config.clusterId
              + "', the peer to '" + truncate(h.getClusterId(), 128) + "'");
    }
    ReplicaId them = ReplicaId.of(h.getReplicaId());
    if (them.equals(self)) {
      throw new BadFrameException(Refusal.Code.FAILED_PRECONDITION, selfReason(self));
    }
    if (!config.allowedPeers.isEmpty() && !config.allowedPeers.contains(them)) {
      throw new BadFrameException(Refusal.Code.PERMISSION_DENIED,
          "replica " + them + " is not on this replica's allowlist");
    }
    if (utf8Length(h.getAdvertisedAddress()) > SyncConfig.MAX_ADDRESS_BYTES) {
      throw Frames.bad("advertised address longer than %d bytes", SyncConfig.MAX_ADDRESS_BYTES);
    }
    if (h.getKnownPeersCount() > SyncConfig.MAX_KNOWN_PEERS) {
      throw Frames.bad("%d known peers, at most %d accepted", h.getKnownPeersCount(),
          SyncConfig.MAX_KNOWN_PEERS);
    }
    for (String a : h.getKnownPeersList()) {
      if (utf8Length(a) > SyncConfig.MAX_ADDRESS_BYTES) {
        throw Frames.bad("known peer address longer than %d bytes", SyncConfig.MAX_ADDRESS_BYTES);
      }
    }
    CausalContext context = Frames.decodeContext(h.getContext(), "hello context");
    return new PeerHello(them, context, decodePeers(h.getConnected()),
        h.getCompressionList().contains(StreamCompression.NAME), h.getAdvertisedAddress(),
        h.getKnownPeersList());
  }

  /** A Peers message of {@code ids}. */
  static Peers peers(List<ReplicaId> ids) {
    Peers.Builder p = Peers.newBuilder();
    for (ReplicaId r : ids) {
      p.addIds(r.value());
    }
    return p.build();
  }

  /** The ids of a Peers message, or a refusal if there are too many. */
  static Set<ReplicaId> decodePeers(Peers p) throws BadFrameException {
    if (p.getIdsCount() > MAX_CONNECTED) {
      throw Frames.bad("%d connected peers, at most %d accepted", p.getIdsCount(), MAX_CONNECTED);
    }
    Set<ReplicaId> out = new HashSet<>();
    for (long id : p.getIdsList()) {
      out.add(ReplicaId.of(id));
    }
    return out;
  }

  private static int utf8Length(String s) {
    return s.getBytes(StandardCharsets.UTF_8).length;
  }

  static String truncate(String s, int maxChars) {
    return s.length() <= maxChars ? s : s.substring(0, maxChars);
  }
}
