package dev.meridian.transport.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.meridian.crdt.Replica;
import dev.meridian.transport.store.InMemoryReplicaStore;
import dev.meridian.transport.sync.SyncConfig;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The size limit of messages to a node's server, in our words, over a real socket on 127.0.0.1: a
 * raw gRPC call (bytes, no generated stub) to a service sharing the port with replication gets
 * RESOURCE_EXHAUSTED naming the method and the limit, never gRPC's own text, and the service never
 * sees the message; a compressed call is refused before any message is read; the server goes on
 * serving.
 */
class InboundLimitsTest {
  /** A frame limit of 64 KiB: messages may have 128 KiB. */
  private static final int LIMIT = 128 << 10;
  private static final String ECHO = "meridian.test.Echo/Echo";

  private static final MethodDescriptor.Marshaller<byte[]> BYTES =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
          return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
          try {
            return stream.readAllBytes();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };
  private static final MethodDescriptor<byte[], byte[]> METHOD =
      MethodDescriptor.<byte[], byte[]>newBuilder().setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName(ECHO).setRequestMarshaller(BYTES).setResponseMarshaller(BYTES)
          .build();

  private final AtomicInteger served = new AtomicInteger();
  private ReplicationNode node;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    ServerServiceDefinition echo = ServerServiceDefinition.builder("meridian.test.Echo")
        .addMethod(METHOD, ServerCalls.asyncUnaryCall((request, out) -> {
          served.incrementAndGet();
          out.onNext(new byte[] {(byte) request.length});
          out.onCompleted();
        })).build();
    node = ReplicationNode.startNetty(InMemoryReplicaStore.create(Replica.random()),
        SyncConfig.builder("limits").maxMessageBytes(64 << 10).build(), TlsSettings.plaintext(),
        new InetSocketAddress("127.0.0.1", 0), List.of(echo));
    channel = NettyChannelBuilder.forAddress("127.0.0.1", node.port()).usePlaintext().build();
  }

  @AfterEach
  void stop() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    node.close();
  }

  private byte[] call(int size, CallOptions options) {
    return ClientCalls.blockingUnaryCall(channel, METHOD, options, new byte[size]);
  }

  @Test
  void messageOverTheLimit_isRefusedInOurWords_andNeverReachesTheService() {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> call(LIMIT + 1, CallOptions.DEFAULT));
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode(), e.toString());
    assertEquals("a message to meridian.test.Echo/Echo is larger than the 131,072 bytes this peer"
        + " accepts in one message; split it into smaller requests",
        e.getStatus().getDescription());
    assertEquals(0, served.get(), "the service saw nothing of it");
    // A message far over the limit too (gRPC's own check would have answered it).
    StatusRuntimeException far = assertThrows(StatusRuntimeException.class,
        () -> call(20 << 20, CallOptions.DEFAULT));
    assertEquals(e.getStatus().getDescription(), far.getStatus().getDescription());
    assertEquals(0, served.get());
    // The limit itself is accepted, and the server goes on serving on the same connection.
    assertEquals((byte) LIMIT, call(LIMIT, CallOptions.DEFAULT)[0]);
    assertEquals(1, served.get());
  }

  @Test
  void unknownMethod_isAnsweredInOurWords() {
    MethodDescriptor<byte[], byte[]> missing = METHOD.toBuilder()
        .setFullMethodName("meridian.test.Echo/Shout").build();
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> ClientCalls.blockingUnaryCall(channel, missing, CallOptions.DEFAULT, new byte[3]));
    assertEquals(Status.Code.UNIMPLEMENTED, e.getStatus().getCode(), e.toString());
    assertEquals("this peer has no method 'meridian.test.Echo/Shout'; the services it serves are"
        + " meridian.transport.v1.Replication, meridian.test.Echo", e.getStatus().getDescription());
    assertEquals(0, served.get());
  }

  @Test
  void compressedCall_isRefusedBeforeAnyMessageIsRead() {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> call(10, CallOptions.DEFAULT.withCompression("gzip")));
    assertEquals(Status.Code.UNIMPLEMENTED, e.getStatus().getCode(), e.toString());
    assertEquals("this peer takes messages uncompressed, and the call to "
        + "meridian.test.Echo/Echo compresses them (gzip); send it without compression, the "
        + "default of gRPC clients", e.getStatus().getDescription());
    assertEquals(0, served.get());
    assertEquals(10, call(10, CallOptions.DEFAULT)[0]);
  }
}
