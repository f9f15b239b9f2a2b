package dev.meridian.peer.daemon;

import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A plaintext gRPC server of a peer daemon that serves only the standard health service ({@code
 * grpc.health.v1.Health}): for probes that cannot present a client certificate to the peer's
 * mutual-TLS port, such as Kubernetes' {@code grpc} readiness and liveness probes, which speak
 * plaintext only. It answers as the main port's health does: {@code SERVING}, for the whole
 * server ({@code ""}) and for {@code meridian.peer.v1.Documents}, from start until {@link
 * #stopping()}, then {@code NOT_SERVING} until {@link #close()}. It serves no documents, no
 * replication and no reflection, and takes no credentials.
 */
final class HealthServer implements AutoCloseable {
  /* Design notes.
   * [1] Its own HealthStatusManager rather than the store's: the store's lives inside Meridian,
   *     and both say the same thing (SERVING while the daemon runs). The daemon calls stopping()
   *     before it closes the store (goodbyes to peers, the last fsync), so a probe asking meanwhile
   *     hears NOT_SERVING rather than SERVING or a refused connection.
   * [2] Netty, as the main port: grpc-netty-shaded is already on the class path.
   */
  private static final Logger LOG = LoggerFactory.getLogger(HealthServer.class);
  /** The client API's service name, as the main port's health reports it. */
  static final String DOCUMENTS_SERVICE = "meridian.peer.v1.Documents";
  private static final long SHUTDOWN_SECONDS = 5;

  private final HealthStatusManager health;
  private final Server server;

  private HealthServer(HealthStatusManager health, Server server) {
    this.health = health;
    this.server = server;
  }

  /**
   * Serves health on {@code address} (port 0 picks a free port).
   *
   * @throws IOException if the address cannot be bound, saying which address
   */
  static HealthServer start(InetSocketAddress address) throws IOException {
    HealthStatusManager health = new HealthStatusManager();
    health.setStatus("", ServingStatus.SERVING);
    health.setStatus(DOCUMENTS_SERVICE, ServingStatus.SERVING);
    Server server = NettyServerBuilder.forAddress(address, InsecureServerCredentials.create())
        .addService(health.getHealthService())
        .build();
    try {
      server.start();
    } catch (IOException e) {
      throw new IOException("cannot serve health on " + address.getHostString() + ":"
          + address.getPort() + ": " + e.getMessage(), e);
    }
    LOG.info("gRPC health (plaintext) on {}:{}", address.getHostString(), server.getPort());
    return new HealthServer(health, server);
  }

  /** The port it listens on. */
  int port() {
    return server.getPort();
  }

  /** Answers {@code NOT_SERVING} from now on; idempotent. */
  void stopping() {
    health.enterTerminalState();
  }

  /** Answers {@code NOT_SERVING}, then stops serving; idempotent. */
  @Override
  public void close() {
    stopping();
    server.shutdown();
    try {
      if (!server.awaitTermination(SHUTDOWN_SECONDS, TimeUnit.SECONDS)) {
        server.shutdownNow();
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
