package dev.meridian.transport.sync;

import dev.meridian.crdt.ReplicaId;
import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.transport.proto.Hello;
import dev.meridian.transport.proto.PeerAddress;
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
  /** Most feature names accepted in a Hello, and longest name in bytes. */
  static final int MAX_FEATURES = 64;
  /** The feature of receiving deltas in parts (see Delta.parts). */
  static final String DELTA_PARTS = "delta-parts";
  /** The features this code speaks. */
  static final List<String> FEATURES = List.of(DELTA_PARTS);
  /**
   * An address: a name of letters, digits, dots, hyphens and underscores (a DNS name, an IPv4
   * address, or a transport's own name such as an in-process server's) or a bracketed IPv6
   * address, then optionally a colon and a port (checked apart: 1 to 65535).
   */
  private static final java.util.regex.Pattern ADDRESS = java.util.regex.Pattern.compile(
      "(\\[[0-9A-Fa-f:.]{2,45}\\]|[A-Za-z0-9_](?:[A-Za-z0-9._-]{0,253})?)(?::([0-9]{1,5}))?");

  private Handshake() {}

  /** What a valid Hello says. */
  record PeerHello(ReplicaId replica, CausalContext context, Set<ReplicaId> connected,
      boolean acceptsCompression, String advertised, List<String> known, Set<String> features,
      String site) {}

  /** This replica's Hello. */
  static Hello hello(SyncConfig config, ReplicaId self, CausalContext context,
      List<KnownAddress> known, List<ReplicaId> connected) {
    Hello.Builder h = Hello.newBuilder()
        .setProtocolVersion(SyncConfig.PROTOCOL_VERSION)
        .setClusterId(config.clusterId)
        .setReplicaId(self.value())
        .setContext(Frames.encodeContext(context))
        .setAdvertisedAddress(config.advertisedAddress)
        .setSite(config.site)
        .setConnected(peers(connected))
        .addAllFeatures(FEATURES);
    if (config.learnPeers) {
      for (KnownAddress a : known) {
        h.addKnownPeers(a.address());
        h.addKnownAddresses(PeerAddress.newBuilder().setAddress(a.address())
            .setReplicaId(a.replica() == null ? 0 : a.replica().value()));
      }
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
   * The kind of the end of a stream whose Hello carries this replica's own id: it dialled an
   * address of its own (learned from a peer, or configured), which is no peer's fault and so no
   * refusal (see {@link Replicator#refusalsByKind()}).
   */
  static final String SELF = "self";

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
      throw new BadFrameException(Refusal.Code.FAILED_PRECONDITION, selfReason(self), SELF);
    }
    if (!config.allowedPeers.isEmpty() && !config.allowedPeers.contains(them)) {
      throw new BadFrameException(Refusal.Code.PERMISSION_DENIED,
          "replica " + them + " is not on this replica's allowlist");
    }
    if (!h.getSite().isEmpty() && !SyncConfig.SITE.matcher(h.getSite()).matches()) {
      throw Frames.bad("site name '%s' is not 1 to 64 of A-Z a-z 0-9 . _ -",
          Frames.abbreviate(h.getSite()));
    }
    if (!h.getAdvertisedAddress().isEmpty()) {
      checkAddress(h.getAdvertisedAddress(), "advertised address");
    }
    if (h.getKnownPeersCount() > SyncConfig.MAX_KNOWN_PEERS
        || h.getKnownAddressesCount() > SyncConfig.MAX_KNOWN_PEERS) {
      throw Frames.bad("%d known peers, at most %d accepted",
          Math.max(h.getKnownPeersCount(), h.getKnownAddressesCount()), SyncConfig.MAX_KNOWN_PEERS);
    }
    java.util.LinkedHashSet<String> known = new java.util.LinkedHashSet<>();
    for (String a : h.getKnownPeersList()) {
      checkAddress(a, "known peer address");
      known.add(a);
    }
    for (PeerAddress a : h.getKnownAddressesList()) {
      checkAddress(a.getAddress(), "known peer address");
      known.add(a.getAddress());
    }
    if (h.getFeaturesCount() > MAX_FEATURES) {
      throw Frames.bad("%d features, at most %d accepted", h.getFeaturesCount(), MAX_FEATURES);
    }
    Set<String> features = new HashSet<>();
    for (String f : h.getFeaturesList()) {
      if (utf8Length(f) > MAX_FEATURES) {
        throw Frames.bad("feature name longer than %d bytes", MAX_FEATURES);
      }
      features.add(f);
    }
    CausalContext context = Frames.decodeContext(h.getContext(), "hello context");
    return new PeerHello(them, context, decodePeers(h.getConnected()),
        h.getCompressionList().contains(StreamCompression.NAME), h.getAdvertisedAddress(),
        List.copyOf(known), Set.copyOf(features), h.getSite());
  }

  /**
   * Refuses an address that is not host:port (see PeerAddress.address): a peer's addresses are
   * dialled and relayed to others, so only well-formed ones are taken.
   */
  static void checkAddress(String a, String what) throws BadFrameException {
    if (utf8Length(a) > SyncConfig.MAX_ADDRESS_BYTES) {
      throw Frames.bad("%s longer than %d bytes", what, SyncConfig.MAX_ADDRESS_BYTES);
    }
    java.util.regex.Matcher m = ADDRESS.matcher(a);
    boolean ok = m.matches();
    if (ok && m.group(2) != null) {
      int port = Integer.parseInt(m.group(2));
      ok = port >= 1 && port <= 65535;
    }
    if (!ok) {
      throw Frames.bad("%s '%s' is not an address (host:port: a DNS name, an IPv4 address or a "
          + "bracketed IPv6 address, and a port from 1 to 65535)", what, Frames.abbreviate(a));
    }
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

  /**
   * Checks the peer's site against what is known of it: the site its certificate names ({@code
   * certSite}, null if the transport vouches for none) and the site its replica id was first seen
   * under. Changes nothing; the caller binds after every check has passed.
   *
   * @throws BadFrameException PERMISSION_DENIED, counted as "impersonation"
   */
  static void checkIdentity(PeerHello p, String certSite, SiteBindings bindings)
      throws BadFrameException {
    if (certSite != null && !certSite.equals(p.site())) {
      throw new BadFrameException(Refusal.Code.PERMISSION_DENIED, String.format(Locale.ROOT,
          "impersonation: the Hello of replica %s names site '%s', but its certificate names "
              + "site '%s' (meridian-peer:%s); a peer's site is the one its certificate names",
          p.replica(), p.site(), certSite, certSite), "impersonation");
    }
    String bound = p.site().isEmpty() ? null : bindings.siteOf(p.replica());
    if (bound != null && !bound.equals(p.site())) {
      throw new BadFrameException(Refusal.Code.PERMISSION_DENIED, String.format(Locale.ROOT,
          "impersonation: replica %s belongs to site '%s', it cannot be claimed by site '%s' "
              + "(a replica id stays with the site it was first seen under)",
          p.replica(), bound, p.site()), "impersonation");
    }
  }

  static String truncate(String s, int maxChars) {
    return s.length() <= maxChars ? s : s.substring(0, maxChars);
  }
}
