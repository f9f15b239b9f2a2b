package dev.meridian.peer.daemon;

import dev.meridian.peer.Meridian;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running peer daemon: the store (with its gRPC server), the metrics endpoint and, if asked for,
 * the plaintext health endpoint ({@link HealthServer}), closed cleanly on SIGTERM or SIGINT: replication says goodbye to its peers, every write is made durable, the
 * data directory is released.
 */
public final class PeerDaemon {
  private static final Logger LOG = LoggerFactory.getLogger(PeerDaemon.class);

  private final Meridian peer;
  private final MetricsServer metrics;
  private final HealthServer health;
  private final CountDownLatch stopped = new CountDownLatch(1);

  private PeerDaemon(Meridian peer, MetricsServer metrics, HealthServer health) {
    this.peer = peer;
    this.metrics = metrics;
    this.health = health;
  }

  /**
   * Opens the store with {@code builder} and serves metrics on {@code metricsAddress} (null for
   * none). If the metrics address cannot be bound the store is closed again.
   */
  public static PeerDaemon start(Meridian.Builder builder, InetSocketAddress metricsAddress)
      throws IOException {
    return start(builder, metricsAddress, null);
  }

  /**
   * Opens the store with {@code builder}, serves metrics on {@code metricsAddress} and gRPC health
   * in plaintext on {@code healthAddress} (either null for none). If an address cannot be bound,
   * what was started is closed again.
   */
  public static PeerDaemon start(Meridian.Builder builder, InetSocketAddress metricsAddress,
      InetSocketAddress healthAddress) throws IOException {
    Meridian peer = builder.open();
    MetricsServer metrics = null;
    try {
      if (metricsAddress != null) {
        metrics = MetricsServer.start(peer, metricsAddress);
      }
      HealthServer health = healthAddress == null ? null : HealthServer.start(healthAddress);
      return new PeerDaemon(peer, metrics, health);
    } catch (IOException | RuntimeException e) {
      if (metrics != null) {
        metrics.close();
      }
      peer.close();
      throw e;
    }
  }

  /** The store. */
  public Meridian peer() {
    return peer;
  }

  /** The metrics port, or -1 without an endpoint. */
  public int metricsPort() {
    return metrics == null ? -1 : metrics.port();
  }

  /** The plaintext health port, or -1 without one. */
  public int healthPort() {
    return health == null ? -1 : health.port();
  }

  /**
   * Prints the ready line to {@code out}, then blocks until the process is told to stop (SIGTERM,
   * SIGINT) and the peer is closed.
   */
  public void runUntilStopped(PrintWriter out, String metricsHost) throws InterruptedException {
    Thread hook = new Thread(this::stop, "meridian-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    out.printf("meridian peer ready: site=%s replica=%s listen=%s metrics=%s%n", peer.site(),
        peer.replicaId(), peer.listenAddress().isEmpty() ? "none" : peer.listenAddress(),
        metrics == null ? "none" : "http://" + metricsHost + ":" + metrics.port() + "/metrics");
    out.flush();
    stopped.await();
  }

  /**
   * Closes the metrics endpoint and the store, the health endpoint answering {@code NOT_SERVING}
   * meanwhile and closing last; idempotent.
   */
  public synchronized void stop() {
    if (stopped.getCount() == 0) {
      return;
    }
    LOG.info("stopping peer {}", peer.site());
    try {
      if (health != null) {
        health.stopping();
      }
      if (metrics != null) {
        metrics.close();
      }
      peer.close();
    } finally {
      if (health != null) {
        health.close();
      }
      stopped.countDown();
    }
  }
}
