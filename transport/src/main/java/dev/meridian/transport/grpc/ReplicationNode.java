package dev.meridian.transport.grpc;

import dev.meridian.transport.proto.ReplicationGrpc;
import dev.meridian.crdt.doc.KeyedDelta;
import dev.meridian.transport.store.ReplicaStore;
import dev.meridian.transport.sync.KnownAddress;
import dev.meridian.transport.sync.PeerStats;
import dev.meridian.transport.sync.Replicator;
import dev.meridian.transport.sync.SyncConfig;
import dev.meridian.transport.sync.SyncSession;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One replica's replication over gRPC: a {@link Replicator} on a single event-loop thread, a server
 * for the Sync streams peers open, and channels to the peers it dials. Everything the engine does
 * runs on that thread; gRPC callbacks and local writes only post to it.
 *
 * <p>Flow control: outbound frames are polled only while the stream {@code isReady()}, and polling
 * resumes on {@code onReady}; inbound frames are requested one at a time, after the previous one
 * was applied, so a peer that floods is slowed by HTTP/2 flow control and a slow one makes this
 * replica stop pulling from storage. Local writes reach the loop through a bounded hand-off: when
 * it overflows, the writes are left to catch-up instead of buffered.
 */
public final class ReplicationNode implements AutoCloseable {
  /*
   * Design notes.
   * [1] One thread per replica is enough: the engine's work per frame is a decode and a join, and
   *     gRPC's own threads do the I/O. It also makes the engine's single-threaded contract free.
   * [2] Inbound frames are requested one by one (disableAutoRequest), so at most one frame per
   *     stream waits in the loop's queue: memory per peer is bounded by the message size limit.
   * [3] One channel per dial, shut down when its stream ends. A gRPC channel keeps its TCP
   *     connection while that connection looks alive, and a connection whose packets a partition
   *     drops looks alive until TCP gives up (minutes): a second stream on it would queue behind
   *     the first one's retransmissions. So when the engine closes a stalled stream (pings
   *     unanswered for the idle timeout: SyncSession [4]), its channel is shut down at once and
   *     the redial gets a new connection; that also starts the redial without gRPC's own
   *     reconnect backoff. HTTP/2 keepalive cannot do this job: grpc-java raises a client's
   *     keepalive time to at least 10 s. A TCP connect gives up after the idle timeout, so a dial
   *     into a partition fails soon and the engine's backoff decides when to try again.
   */
  private static final Logger LOG = LoggerFactory.getLogger(ReplicationNode.class);
  private static final int LOCAL_FEED_LIMIT = 1 << 16;

  /**
   * Opens a channel to a peer address (host:port), once per dial: the node opens a new channel
   * for every stream it dials and shuts it down when that stream ends, so a connection that
   * stalled is never handed to the next dial.
   */
  @FunctionalInterface
  public interface ChannelFactory {
    /** A new channel to {@code address}, for one stream. */
    ManagedChannel open(String address) throws IOException;
  }

  private final ReplicaStore store;
  private final SyncConfig config;
  private final ChannelFactory channelFactory;
  private final ScheduledExecutorService loop;
  private final Replicator replicator;
  /** The channels of dialled streams that have not ended (loop thread). */
  private final Set<ManagedChannel> channels = new HashSet<>();
  private final RefusalCounts identityRefusals;
  private final AtomicLong handshakeRefusals;
  private final AtomicLong transportRefusals = new AtomicLong();
  private final ConcurrentLinkedQueue<KeyedDelta> feed = new ConcurrentLinkedQueue<>();
  private final AtomicInteger feedSize = new AtomicInteger();
  /** Local writes not fed to the replicator since the last drain (catch-up carries them). */
  private final AtomicLong feedLost = new AtomicLong();
  private final AtomicBoolean drainScheduled = new AtomicBoolean();
  private final AutoCloseable subscription;
  private Server server;
  private ScheduledFuture<?> tickFuture;
  private long tickAt = Long.MAX_VALUE;
  private volatile boolean closed;

  private ReplicationNode(ReplicaStore store, SyncConfig config, ChannelFactory channels,
      RefusalCounts identityRefusals, AtomicLong handshakeRefusals) {
    this.store = store;
    this.identityRefusals = identityRefusals;
    this.handshakeRefusals = handshakeRefusals;
    this.config = config;
    this.channelFactory = channels;
    this.loop = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "meridian-sync-" + store.replicaId());
      t.setDaemon(true);
      return t;
    });
    this.replicator = new Replicator(store, config, new SecureRandom(), System.nanoTime());
    this.replicator.runDurabilityOn(this::execute, this::now);
    this.subscription = store.subscribe(this::onLocalWrite);
  }

  /**
   * Starts replication: serves Sync streams on {@code server} (null to only dial) and dials with
   * {@code channels}. The server builder should carry the transport security and message size
   * limit; {@code tls} is used for the checks of peer certificates (see {@link TlsSettings}).
   */
  public static ReplicationNode start(ReplicaStore store, SyncConfig config, TlsSettings tls,
      ServerBuilder<?> server, ChannelFactory channels) throws IOException {
    return start(store, config, tls, server, channels, new RefusalCounts(), new AtomicLong());
  }

  /**
   * As the public start; {@code identityRefusals} counts refusals by the caller's channels too,
   * {@code handshakeRefusals} the TLS handshakes the caller's server refused.
   */
  private static ReplicationNode start(ReplicaStore store, SyncConfig config, TlsSettings tls,
      ServerBuilder<?> server, ChannelFactory channels, RefusalCounts identityRefusals,
      AtomicLong handshakeRefusals) throws IOException {
    ReplicationNode node = new ReplicationNode(Objects.requireNonNull(store),
        Objects.requireNonNull(config), Objects.requireNonNull(channels), identityRefusals,
        handshakeRefusals);
    if (server != null) {
      node.server = server
          .addService(ServerInterceptors.intercept(new ReplicationService(node),
              IdentityCheck.server(tls, node.identityRefusals)))
          .build()
          .start();
    }
    node.execute(() -> {});
    return node;
  }

  /**
   * Starts replication over Netty: listens on {@code listen} (null to only dial) with {@code tls},
   * dials peers with the same settings. A frame over the configured maximum size is refused by the
   * engine with RESOURCE_EXHAUSTED and a Goodbye saying so; a message over twice that size ({@link
   * #hardLimit}), to any service on the port, is cut while it is read, with RESOURCE_EXHAUSTED
   * naming the method and the limit, and a call whose messages come compressed is refused
   * (UNIMPLEMENTED) before one is read.
   */
  public static ReplicationNode startNetty(ReplicaStore store, SyncConfig config, TlsSettings tls,
      InetSocketAddress listen) throws IOException {
    return startNetty(store, config, tls, listen, List.of());
  }

  /**
   * As {@link #startNetty(ReplicaStore, SyncConfig, TlsSettings, InetSocketAddress)}, and also
   * serves {@code services} on the same port (a peer's client API, health, reflection). They run
   * on gRPC's default executor, not on the replication loop, and see the same transport security;
   * the peer-identity allowlist applies to replication only. Under TLS every connection makes a
   * full handshake (no session resumption), and each handshake the server refuses is audited and
   * counted ({@link #tlsHandshakeRefusals()}).
   *
   * @throws IllegalArgumentException if {@code services} is not empty and {@code listen} is null
   */
  public static ReplicationNode startNetty(ReplicaStore store, SyncConfig config, TlsSettings tls,
      InetSocketAddress listen, List<ServerServiceDefinition> services) throws IOException {
    if (listen == null && !services.isEmpty()) {
      throw new IllegalArgumentException("services need a listen address");
    }
    ServerBuilder<?> server = null;
    AtomicLong handshakeRefusals = new AtomicLong();
    if (listen != null) {
      NettyServerBuilder netty = NettyServerBuilder.forAddress(listen, tls.isSecure()
              ? ServerHandshakes.of(tls.serverCredentials(), handshakeRefusals)
              : tls.serverCredentials())
          .maxInboundMessageSize(InboundLimits.GRPC_LIMIT)
          .addStreamTracerFactory(InboundLimits.tracers(hardLimit(config)))
          .decompressorRegistry(InboundLimits.decompressors())
          .intercept(InboundLimits.uncompressedOnly())
          .permitKeepAliveTime(1, TimeUnit.SECONDS);
      if (services.isEmpty()) {
        netty.directExecutor(); // callbacks only post to the loop
      } else {
        netty.callExecutor(new ReplicationOnTransport()); // the others keep the executor
      }
      List<String> names = new ArrayList<>(List.of(ReplicationGrpc.SERVICE_NAME));
      for (ServerServiceDefinition s : services) {
        netty.addService(s);
        names.add(s.getServiceDescriptor().getName());
      }
      netty.fallbackHandlerRegistry(new UnknownMethods(names));
      server = netty;
    }
    // Shared with the node before it starts: its loop may dial before start returns.
    RefusalCounts identityRefusals = new RefusalCounts();
    int connectMillis = (int) Math.min(Integer.MAX_VALUE, config.idleTimeout().toMillis());
    ChannelFactory channels = address -> NettyChannelBuilder
        .forTarget(address, tls.channelCredentials())
        .withOption(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectMillis)
        .maxInboundMessageSize(hardLimit(config))
        .directExecutor() // callbacks only post to the loop
        .intercept(IdentityCheck.client(tls, identityRefusals))
        .build();
    return start(store, config, tls, server, channels, identityRefusals, handshakeRefusals);
  }

  /**
   * The most bytes a message to the server may have, on every service of the port: twice the
   * engine's frame limit, so the engine answers a frame in between with a Goodbye.
   */
  public static int hardLimit(SyncConfig config) {
    return (int) Math.min(Integer.MAX_VALUE, 2L * config.maxMessageBytes());
  }

  /** The port the server listens on, or -1 without a server. */
  public int port() {
    return server == null ? -1 : server.getPort();
  }

  /** Per-peer statistics (lag, bytes and deltas in and out, last contact). */
  public List<PeerStats> peers() {
    return onLoop(replicator::peers);
  }

  /** The addresses this node dials or has learned, with the replica last found at each. */
  public List<KnownAddress> knownAddresses() {
    return onLoop(replicator::knownAddresses);
  }

  /** Frames refused by the engine, streams refused for their peer's identity, oversized frames. */
  public long refusals() {
    return onLoop(replicator::rejectedFrames) + identityRefusals.total() + transportRefusals.get();
  }

  /**
   * Streams refused for their peer's certificate so far, either end: it names no site or several
   * (a client's certificate, one without {@code meridian-peer:<site>}), it is not on the
   * allowlist, or there is none where {@link TlsSettings#requiringPeerCertificates()} asks for
   * one. The same refusals are in {@link #refusalsByKind()} as "certificate" and "allowlist".
   */
  public long identityRefusals() {
    return identityRefusals.total();
  }

  /**
   * TLS handshakes this node's server refused so far (a certificate of an unknown CA, expired, or
   * missing; a client that does not speak TLS), each audited on {@code meridian.audit}.
   */
  public long tlsHandshakeRefusals() {
    return handshakeRefusals.get();
  }

  /** Streams whose handshake completed so far: a stream that resets and reopens counts again. */
  public long sessionsOpened() {
    return onLoop(replicator::sessionsOpened);
  }

  /**
   * Streams closed so far because the peer fell silent (pings unanswered for the idle timeout, a
   * probe unanswered, a handshake not done in time); each is dialled again on a new connection.
   */
  public long stalls() {
    return onLoop(replicator::stalls);
  }

  /**
   * Frames and streams refused so far, by kind: the engine's (see {@link
   * Replicator#refusalsByKind()}), and the streams refused for their peer's certificate before
   * the engine saw them, "certificate" (it names no site, several, or a client; or there is none
   * where one is required) and "allowlist" (see {@link #identityRefusals()}).
   */
  public java.util.Map<String, Long> refusalsByKind() {
    java.util.Map<String, Long> out = new java.util.TreeMap<>(onLoop(replicator::refusalsByKind));
    identityRefusals.byKind().forEach((k, v) -> out.merge(k, v, Long::sum));
    return out;
  }

  /** Deltas too large to send (over the maximum document size), skipped. */
  public long oversizedDeltas() {
    return onLoop(replicator::oversizedDeltas);
  }

  /** The store replicated. */
  public ReplicaStore store() {
    return store;
  }

  /** Closes every stream with a Goodbye, then the server, the channels and the loop. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    try {
      onLoop(() -> {
        replicator.shutdown();
        return null;
      });
    } catch (RuntimeException e) {
      LOG.debug("shutdown of the engine failed", e);
    }
    closed = true;
    try {
      subscription.close();
    } catch (Exception e) {
      LOG.debug("unsubscribing failed", e);
    }
    if (server != null) {
      server.shutdown();
    }
    loop.execute(() -> channels.forEach(ManagedChannel::shutdown));
    loop.shutdown();
    try {
      if (server != null && !server.awaitTermination(2, TimeUnit.SECONDS)) {
        server.shutdownNow();
      }
      loop.awaitTermination(2, TimeUnit.SECONDS);
      for (ManagedChannel c : new ArrayList<>(channels)) {
        if (!c.awaitTermination(2, TimeUnit.SECONDS)) {
          c.shutdownNow();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---- the loop ---------------------------------------------------------------------------------

  long now() {
    return System.nanoTime();
  }

  Replicator replicator() {
    return replicator;
  }

  /** Runs {@code r} on the loop, then reschedules the engine's timer. */
  void execute(Runnable r) {
    if (closed) {
      return;
    }
    try {
      loop.execute(() -> {
        try {
          r.run();
        } catch (RuntimeException e) {
          LOG.error("replication loop task failed", e);
        }
        reschedule();
      });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      LOG.debug("loop closed; task dropped");
    }
  }

  private <T> T onLoop(Supplier<T> s) {
    try {
      return java.util.concurrent.CompletableFuture.supplyAsync(s, loop).get(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("replication loop did not answer", e);
    }
  }

  private void reschedule() {
    long now = now();
    long d = replicator.nextDeadline(now);
    if (d == Long.MAX_VALUE || closed) {
      return;
    }
    if (tickFuture != null && !tickFuture.isDone() && tickAt <= d) {
      return;
    }
    if (tickFuture != null) {
      tickFuture.cancel(false);
    }
    tickAt = d;
    tickFuture = loop.schedule(() -> {
      tickFuture = null;
      tickAt = Long.MAX_VALUE;
      long t = now();
      try {
        replicator.tick(t);
        for (String address : replicator.dueDials(t)) {
          dial(address, t);
        }
      } catch (RuntimeException e) {
        LOG.error("replication tick failed", e);
      }
      reschedule();
    }, Math.max(0, d - now), TimeUnit.NANOSECONDS);
  }

  private void dial(String address, long now) {
    ManagedChannel channel;
    try {
      channel = channelFactory.open(address);
    } catch (IOException | RuntimeException e) {
      LOG.warn("cannot open a channel to {}: {}", address, e.toString());
      replicator.dialFailed(address, now);
      return;
    }
    channels.add(channel);
    SyncSession s = replicator.connect(address, now);
    java.util.concurrent.atomic.AtomicReference<String> serverSite =
        new java.util.concurrent.atomic.AtomicReference<>();
    StreamBinding binding = StreamBinding.client(this, s, serverSite, channel);
    ReplicationGrpc.newStub(channel).withOption(IdentityCheck.SITE_OUT, serverSite)
        .withOption(IdentityCheck.REFUSED_OUT, binding::refusedServer)
        .sync(binding);
  }

  /**
   * The dialled stream on {@code channel} ended (on the loop): shuts the channel down, at once
   * ({@code abandon}: the stream stalled or failed, its connection is not to be trusted) or once
   * its call is over.
   */
  void channelDone(ManagedChannel channel, boolean abandon) {
    channels.remove(channel);
    if (abandon) {
      channel.shutdownNow();
    } else {
      channel.shutdown();
    }
  }

  // ---- local writes -----------------------------------------------------------------------------

  private void onLocalWrite(KeyedDelta d) {
    if (feedSize.incrementAndGet() > LOCAL_FEED_LIMIT) {
      feedSize.decrementAndGet();
      feedLost.incrementAndGet(); // the write is in the store: catch-up will carry it
    } else {
      feed.add(d);
    }
    if (drainScheduled.compareAndSet(false, true)) {
      execute(this::drainFeed);
    }
  }

  private void drainFeed() {
    drainScheduled.set(false);
    long now = now();
    KeyedDelta d;
    while ((d = feed.poll()) != null) {
      feedSize.decrementAndGet();
      replicator.onLocalDelta(d, now);
    }
    long lost = feedLost.getAndSet(0);
    if (lost > 0) {
      replicator.catchUpAll(lost);
    }
  }

  void countTransportRefusal() {
    transportRefusals.incrementAndGet();
  }

  SyncConfig config() {
    return config;
  }
}
