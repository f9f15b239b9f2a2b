package dev.meridian.peer.access;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.meridian.peer.Meridian;
import dev.meridian.peer.proto.DocumentsGrpc;
import dev.meridian.peer.proto.GetRequest;
import dev.meridian.transport.proto.ReplicationGrpc;
import dev.meridian.transport.proto.SyncFrame;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Access control on a plaintext loopback peer: tokens work, gRPC health stays open, and
 * replication is refused (it needs a peer certificate, so mutual TLS) with the reason.
 */
class PlaintextAccessTest {
  @TempDir Path dir;

  private Meridian peer;
  private ManagedChannel channel;
  private final String token = Tokens.generate();

  @BeforeEach
  void start() throws Exception {
    Path access = Files.writeString(dir.resolve("access.txt"),
        "token app sha256:" + Tokens.sha256Hex(token) + " read:*\n");
    peer = Meridian.builder().dataDir(dir.resolve("data")).listen("127.0.0.1:0")
        .accessControl(AccessControl.fixed(AccessRules.read(access))).open();
    peer.update("k", d -> d.set("v", 1)).join();
    channel = Grpc.newChannelBuilder(peer.listenAddress(), InsecureChannelCredentials.create())
        .build();
  }

  @AfterEach
  void stop() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    peer.close();
  }

  @Test
  void token_readsOverPlaintext_andNoTokenDoesNot() {
    Metadata h = new Metadata();
    h.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
    DocumentsGrpc.DocumentsBlockingStub stub = DocumentsGrpc.newBlockingStub(channel);
    assertTrue(stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(h))
        .get(GetRequest.newBuilder().setKey("k").build()).getFound());
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> stub.get(GetRequest.newBuilder().setKey("k").build()));
    assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
  }

  @Test
  void health_staysOpen() {
    assertEquals(HealthCheckResponse.ServingStatus.SERVING, HealthGrpc.newBlockingStub(channel)
        .check(HealthCheckRequest.newBuilder().setService("meridian.peer.v1.Documents").build())
        .getStatus());
  }

  @Test
  void replication_refused_needsMutualTls() throws Exception {
    CompletableFuture<Status> end = new CompletableFuture<>();
    ReplicationGrpc.newStub(channel).sync(new StreamObserver<SyncFrame>() {
      @Override
      public void onNext(SyncFrame f) {}

      @Override
      public void onError(Throwable t) {
        end.complete(Status.fromThrowable(t));
      }

      @Override
      public void onCompleted() {
        end.complete(Status.OK);
      }
    });
    Status s = end.get(10, TimeUnit.SECONDS);
    assertEquals(Status.Code.PERMISSION_DENIED, s.getCode(), s.toString());
    assertTrue(s.getDescription().contains("needs mutual TLS and a peer certificate"),
        s.toString());
    assertEquals(1L, peer.authRefusals().get("replication-certificate"));
  }
}
