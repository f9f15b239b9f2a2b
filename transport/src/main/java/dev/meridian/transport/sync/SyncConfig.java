package dev.meridian.transport.sync;

import dev.meridian.crdt.ReplicaId;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Settings of one replica's replication: identity checks, limits, timings and peers. Immutable;
 * build with {@link #builder(String)}. The defaults suit a LAN or WAN; simulations shrink the
 * timings.
 */
public final class SyncConfig {
  /** The protocol version this code speaks. */
  public static final int PROTOCOL_VERSION = 1;
  /** Longest document key accepted, in UTF-8 bytes. */
  public static final int MAX_KEY_BYTES = 1024;
  /** Longest cluster id, in UTF-8 bytes. */
  public static final int MAX_CLUSTER_ID_BYTES = 128;
  /** Most peer addresses accepted in one Hello, and longest address. */
  public static final int MAX_KNOWN_PEERS = 64;
  /** Longest peer address, in bytes. */
  public static final int MAX_ADDRESS_BYTES = 256;
  /** The default largest encoded document (64 MiB): see {@link Builder#maxDocumentBytes}. */
  public static final long DEFAULT_MAX_DOCUMENT_BYTES = 64L << 20;

  /** A site name: 1 to 64 of {@code A-Z a-z 0-9 . _ -}. */
  public static final java.util.regex.Pattern SITE = java.util.regex.Pattern.compile(
      "[A-Za-z0-9._-]{1,64}");

  final String clusterId;
  final String site;
  final SiteBindings siteBindings;
  final String advertisedAddress;
  final List<String> peers;
  final boolean learnPeers;
  final Set<ReplicaId> allowedPeers;
  final int maxMessageBytes;
  final int maxBatchBytes;
  final int maxBatchDeltas;
  final long pushDelayNanos;
  final long ackDelayNanos;
  final long syncIntervalNanos;
  final long pingIntervalNanos;
  final long idleTimeoutNanos;
  final long handshakeTimeoutNanos;
  final long probeTimeoutNanos;
  final long maxQueuedBytes;
  final long maxInFlightBytes;
  final long reconnectBaseNanos;
  final long reconnectMaxNanos;
  final int maxDirectory;
  final boolean compressBatches;
  final int maxPartBytes;
  final long maxDocumentBytes;

  private SyncConfig(Builder b) {
    this.clusterId = b.clusterId;
    this.site = b.site;
    this.siteBindings = b.siteBindings == null ? SiteBindings.inMemory() : b.siteBindings;
    this.advertisedAddress = b.advertisedAddress;
    this.peers = List.copyOf(b.peers);
    this.learnPeers = b.learnPeers;
    this.allowedPeers = Set.copyOf(b.allowedPeers);
    this.maxMessageBytes = b.maxMessageBytes;
    this.maxBatchBytes = Math.min(b.maxBatchBytes, b.maxMessageBytes);
    this.maxBatchDeltas = b.maxBatchDeltas;
    this.pushDelayNanos = b.pushDelay.toNanos();
    this.ackDelayNanos = b.ackDelay.toNanos();
    this.syncIntervalNanos = b.syncInterval.toNanos();
    this.pingIntervalNanos = b.pingInterval.toNanos();
    this.idleTimeoutNanos = b.idleTimeout.toNanos();
    this.handshakeTimeoutNanos = b.handshakeTimeout.toNanos();
    this.probeTimeoutNanos = b.probeTimeout.toNanos();
    this.maxQueuedBytes = b.maxQueuedBytes;
    this.maxInFlightBytes = b.maxInFlightBytes;
    this.reconnectBaseNanos = b.reconnectBase.toNanos();
    this.reconnectMaxNanos = b.reconnectMax.toNanos();
    this.maxDirectory = b.maxDirectory;
    this.compressBatches = b.compressBatches;
    this.maxPartBytes = Math.min(b.maxPartBytes, this.maxMessageBytes / 2);
    this.maxDocumentBytes = b.maxDocumentBytes;
  }

  /** A builder with the defaults, for a replica of cluster {@code clusterId}. */
  public static Builder builder(String clusterId) {
    return new Builder(clusterId);
  }

  /** The cluster id every peer must present. */
  public String clusterId() {
    return clusterId;
  }

  /** The largest frame accepted or sent, in bytes. */
  public int maxMessageBytes() {
    return maxMessageBytes;
  }

  /**
   * The largest delta blob sent whole; a larger one travels in parts of at most this size
   * (see {@code Delta.parts} in the protocol).
   */
  public int maxPartBytes() {
    return maxPartBytes;
  }

  /**
   * The largest delta blob received (assembled from its parts) or sent: a larger one is refused
   * with RESOURCE_EXHAUSTED. Stores refuse local writes that would make a document larger, so
   * that this limit is met at write time, never discovered at sync time.
   */
  public long maxDocumentBytes() {
    return maxDocumentBytes;
  }

  /** This replica's site name, sent in Hello ("" if none). */
  public String site() {
    return site;
  }

  /**
   * The silence after which an open stream is taken as stalled and closed, and the longest a
   * driver waits for a connection to a peer (see {@link Builder#idleTimeout}).
   */
  public Duration idleTimeout() {
    return Duration.ofNanos(idleTimeoutNanos);
  }

  /** The configured peer addresses. */
  public List<String> peers() {
    return peers;
  }

  /** The address this replica advertises to peers ("" if none). */
  public String advertisedAddress() {
    return advertisedAddress;
  }

  /** The peer replica ids allowed to connect; empty means any. */
  public Set<ReplicaId> allowedPeers() {
    return allowedPeers;
  }

  /** Collects settings; every setter checks its argument. */
  public static final class Builder {
    private final String clusterId;
    private String site = "";
    private SiteBindings siteBindings;
    private String advertisedAddress = "";
    private List<String> peers = List.of();
    private boolean learnPeers = true;
    private Set<ReplicaId> allowedPeers = Set.of();
    private int maxMessageBytes = 4 << 20;
    private int maxBatchBytes = 256 << 10;
    private int maxBatchDeltas = 1024;
    private Duration pushDelay = Duration.ofMillis(1);
    private Duration ackDelay = Duration.ofMillis(20);
    private Duration syncInterval = Duration.ofSeconds(1);
    private Duration pingInterval = Duration.ofSeconds(1);
    private Duration idleTimeout = Duration.ofSeconds(4);
    private Duration handshakeTimeout = Duration.ofSeconds(10);
    private Duration probeTimeout = Duration.ofSeconds(3);
    private long maxQueuedBytes = 4 << 20;
    private long maxInFlightBytes = 1 << 20;
    private Duration reconnectBase = Duration.ofMillis(100);
    private Duration reconnectMax = Duration.ofSeconds(10);
    private int maxDirectory = 256;
    private boolean compressBatches = true;
    private int maxPartBytes = 1 << 20;
    private long maxDocumentBytes = DEFAULT_MAX_DOCUMENT_BYTES;

    private Builder(String clusterId) {
      Objects.requireNonNull(clusterId, "clusterId");
      int n = clusterId.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
      require(n >= 1 && n <= MAX_CLUSTER_ID_BYTES, "cluster id must be 1 to 128 bytes");
      this.clusterId = clusterId;
    }

    /**
     * This replica's site name, sent in Hello; under mutual TLS it must be the site its
     * certificate names ({@code meridian-peer:<site>}). Default: none.
     */
    public Builder site(String name) {
      Objects.requireNonNull(name, "name");
      require(name.isEmpty() || SITE.matcher(name).matches(),
          "site name must be 1 to 64 of A-Z a-z 0-9 . _ -");
      this.site = name;
      return this;
    }

    /**
     * Where the sites seen for each peer replica id are kept (default: in memory, for this
     * process's life only); see {@link SiteBindings}.
     */
    public Builder siteBindings(SiteBindings bindings) {
      this.siteBindings = Objects.requireNonNull(bindings, "bindings");
      return this;
    }

    /** The host:port peers can dial to reach this replica. */
    public Builder advertisedAddress(String address) {
      this.advertisedAddress = Objects.requireNonNull(address, "address");
      return this;
    }

    /** Addresses (host:port) to dial. */
    public Builder peers(List<String> addresses) {
      this.peers = List.copyOf(addresses);
      return this;
    }

    /** Whether to dial addresses learned from peers' Hellos (default true). */
    public Builder learnPeers(boolean learn) {
      this.learnPeers = learn;
      return this;
    }

    /** Only these replicas may hold a session with this one (default: any). */
    public Builder allowedPeers(Set<ReplicaId> ids) {
      this.allowedPeers = Set.copyOf(ids);
      return this;
    }

    /** The largest frame accepted or sent (default 4 MiB). */
    public Builder maxMessageBytes(int bytes) {
      require(bytes >= 1024, "max message size must be at least 1 KiB");
      this.maxMessageBytes = bytes;
      return this;
    }

    /** The size at which a batch is closed (default 256 KiB; at most the max message size). */
    public Builder maxBatchBytes(int bytes) {
      require(bytes >= 256, "max batch size must be at least 256 bytes");
      this.maxBatchBytes = bytes;
      return this;
    }

    /** The most deltas in a batch (default 1024). */
    public Builder maxBatchDeltas(int n) {
      require(n >= 1, "max batch deltas must be positive");
      this.maxBatchDeltas = n;
      return this;
    }

    /** How long a pushed delta may wait for others to share its batch (default 1 ms). */
    public Builder pushDelay(Duration d) {
      this.pushDelay = nonNegative(d);
      return this;
    }

    /**
     * How long the answer to a batch may wait for others to share it (default 20 ms). Acks free
     * the in-flight window and report lag; they need not be prompt, and each costs a context.
     */
    public Builder ackDelay(Duration d) {
      this.ackDelay = nonNegative(d);
      return this;
    }

    /** The period of the context exchange that triggers catch-up (default 1 s). */
    public Builder syncInterval(Duration d) {
      this.syncInterval = positive(d);
      return this;
    }

    /**
     * Silence after which a ping is sent on an open stream, repeated at this interval while the
     * peer stays silent (default 1 s). A live peer answers each ping at once, so an open stream
     * never stays silent much longer than this plus a round trip; it must be shorter than the
     * {@link #idleTimeout idle timeout}.
     */
    public Builder pingInterval(Duration d) {
      this.pingInterval = positive(d);
      return this;
    }

    /**
     * Silence after which an open stream is taken as stalled and closed (default 4 s): no frame
     * of any kind (batch, ack, ping or its answer) arrived for this long, although pings went out
     * every {@link #pingInterval ping interval}. That happens when the network drops packets
     * without resetting the connection (a partition, a dead host) or the peer's process is paused;
     * the connection is then abandoned, not reused, the peer is dialled again on a new one, and
     * the new stream's handshake starts catch-up. The gRPC driver also gives up a TCP connect
     * after this long.
     *
     * <p>Choose it above the longest time one frame takes to arrive whole (a batch of up to
     * {@link #maxBatchBytes}, a part of up to {@link #maxPartBytes}, on the slowest link between
     * two peers) plus the longest pause of a peer's replication loop (a garbage collection, the
     * join of a large document, a loop starved of CPU): a stream that cannot deliver one frame
     * within it is closed as stalled each time and never completes that frame. A shorter timeout
     * gains little: a partition longer than it is detected while it lasts, so after its heal
     * only the redial remains, and one shorter than it is waited out on the old connection, which
     * TCP resumes within about the partition's length.
     */
    public Builder idleTimeout(Duration d) {
      this.idleTimeout = positive(d);
      return this;
    }

    /**
     * How long a stream may take from the dial (or the accept) to the end of the handshake (both
     * Hellos) before it is closed (default 10 s). It covers the connection, TLS and both Hellos,
     * on a peer that may have just started and be busy recovering: make it longer than the idle
     * timeout, which bounds the TCP connect alone. A connection that stops mid-handshake is rare
     * (a dial into a partition fails at the connect), so this bound can be generous.
     */
    public Builder handshakeTimeout(Duration d) {
      this.handshakeTimeout = positive(d);
      return this;
    }

    /**
     * How long a kept session may stay silent after a duplicate was refused (default 3 s): the
     * duplicate says the peer may take the kept stream for dead, so it is pinged at once and must
     * answer within this bound (the idle timeout applies too, whichever ends first).
     */
    public Builder probeTimeout(Duration d) {
      this.probeTimeout = positive(d);
      return this;
    }

    /**
     * Bytes of pushed deltas queued per peer before further pushes to it are dropped and left to
     * catch-up (default 4 MiB).
     */
    public Builder maxQueuedBytes(long bytes) {
      require(bytes >= 1024, "max queued bytes must be at least 1 KiB");
      this.maxQueuedBytes = bytes;
      return this;
    }

    /** Bytes of batches sent but not acknowledged per peer before sending pauses (default 1 MiB). */
    public Builder maxInFlightBytes(long bytes) {
      require(bytes >= 1024, "max in-flight bytes must be at least 1 KiB");
      this.maxInFlightBytes = bytes;
      return this;
    }

    /** First and longest reconnect delay; delays double between, with jitter (100 ms, 10 s). */
    public Builder reconnect(Duration base, Duration max) {
      this.reconnectBase = positive(base);
      this.reconnectMax = positive(max);
      require(max.compareTo(base) >= 0, "max reconnect delay below the base");
      return this;
    }

    /** The most peer addresses remembered (default 256). */
    public Builder maxDirectory(int n) {
      require(n >= 1, "directory size must be positive");
      this.maxDirectory = n;
      return this;
    }

    /**
     * Whether to accept, and send when the peer accepts, "deflate-stream" compressed batches
     * (default true). Compression needs an ordered, lossless stream: turn it off only for
     * transports that lose or reorder frames (the simulation).
     */
    public Builder compressBatches(boolean compress) {
      this.compressBatches = compress;
      return this;
    }

    /**
     * The largest delta blob sent whole (default 1 MiB; at most half the max message size); larger
     * ones travel in parts of this size, so frames stay bounded whatever the document's size.
     */
    public Builder maxPartBytes(int bytes) {
      require(bytes >= 256, "max part size must be at least 256 bytes");
      this.maxPartBytes = bytes;
      return this;
    }

    /**
     * The largest document delta accepted from a peer, assembled from its parts (default 64 MiB,
     * {@link SyncConfig#DEFAULT_MAX_DOCUMENT_BYTES}); a peer's store must refuse writes that
     * would make a document larger. A receiver holds at most one such blob per stream while its
     * parts arrive.
     */
    public Builder maxDocumentBytes(long bytes) {
      require(bytes >= 1024 && bytes < Integer.MAX_VALUE,
          "max document size must be 1 KiB to 2 GiB");
      this.maxDocumentBytes = bytes;
      return this;
    }

    /**
     * The settings.
     *
     * @throws IllegalArgumentException if the ping interval is not shorter than the idle timeout
     */
    public SyncConfig build() {
      require(pingInterval.compareTo(idleTimeout) < 0, String.format(java.util.Locale.ROOT,
          "the ping interval (%d ms) must be shorter than the idle timeout (%d ms), or a live "
              + "but quiet peer would be taken as stalled", pingInterval.toMillis(),
          idleTimeout.toMillis()));
      return new SyncConfig(this);
    }

    private static Duration nonNegative(Duration d) {
      require(!d.isNegative(), "duration must not be negative");
      return d;
    }

    private static Duration positive(Duration d) {
      require(!d.isNegative() && !d.isZero(), "duration must be positive");
      return d;
    }

    private static void require(boolean ok, String message) {
      if (!ok) {
        throw new IllegalArgumentException(message);
      }
    }
  }
}
