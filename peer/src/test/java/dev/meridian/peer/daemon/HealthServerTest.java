package dev.meridian.peer.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.meridian.peer.Meridian;
import dev.meridian.transport.grpc.TestPki;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The plaintext health endpoint: what a Kubernetes {@code grpc} probe (plaintext, no client
 * certificate) asks of a peer whose main port requires mutual TLS.
 */
class HealthServerTest {
  private static final InetAddress LOOPBACK = loopback();

  @TempDir Path dir;

  private static InetAddress loopback() {
    try {
      return InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }

  /** A plaintext Check, as the kubelet sends it. */
  private static ServingStatus check(int port, String service) throws InterruptedException {
    ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext()
        .build();
    try {
      return HealthGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
          .check(HealthCheckRequest.newBuilder().setService(service).build()).getStatus();
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void daemonUnderMutualTls_answersPlaintextProbesOnTheHealthPort() throws Exception {
    TestPki pki = new TestPki(dir, "health-ca");
    PeerDaemon daemon = PeerDaemon.start(Meridian.builder().dataDir(dir.resolve("data"))
        .site("lisbon").listen("127.0.0.1:0").tls(pki.issuePeer("lisbon")), null,
        new InetSocketAddress(LOOPBACK, 0));
    int health = daemon.healthPort();
    int main = Integer.parseInt(daemon.peer().listenAddress().replaceAll(".*:", ""));
    try {
      assertEquals(ServingStatus.SERVING, check(health, ""));
      assertEquals(ServingStatus.SERVING, check(health, HealthServer.DOCUMENTS_SERVICE));
      assertEquals(Status.Code.NOT_FOUND,
          assertThrows(StatusRuntimeException.class, () -> check(health, "no.such.Service"))
              .getStatus().getCode());
      // The reason the endpoint exists: a plaintext probe cannot talk to the mutual-TLS port.
      assertEquals(Status.Code.UNAVAILABLE,
          assertThrows(StatusRuntimeException.class, () -> check(main, "")).getStatus().getCode());
    } finally {
      daemon.stop();
    }
    assertEquals(Status.Code.UNAVAILABLE,
        assertThrows(StatusRuntimeException.class, () -> check(health, "")).getStatus().getCode());
  }

  @Test
  void stopping_answersNotServingUntilClosed() throws Exception {
    try (HealthServer server = HealthServer.start(new InetSocketAddress(LOOPBACK, 0))) {
      assertEquals(ServingStatus.SERVING, check(server.port(), ""));
      server.stopping();
      assertEquals(ServingStatus.NOT_SERVING, check(server.port(), ""));
      assertEquals(ServingStatus.NOT_SERVING, check(server.port(), HealthServer.DOCUMENTS_SERVICE));
    }
  }

  @Test
  void start_portInUse_namesTheAddress() throws Exception {
    try (HealthServer first = HealthServer.start(new InetSocketAddress(LOOPBACK, 0))) {
      IOException e = assertThrows(IOException.class,
          () -> HealthServer.start(new InetSocketAddress(LOOPBACK, first.port())));
      String expected = "cannot serve health on 127.0.0.1:" + first.port() + ": ";
      assertTrue(e.getMessage().startsWith(expected), e.getMessage());
    }
  }
}
