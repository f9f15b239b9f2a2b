package dev.meridian.transport.grpc;

import com.google.common.util.concurrent.MoreExecutors;
import dev.meridian.transport.proto.ReplicationGrpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import java.util.concurrent.Executor;

/**
 * Runs the calls of the Replication service on the transport thread that read their frames, and
 * leaves every other service's calls to the server's executor.
 *
 * <p>A replication stream's callbacks only post to the replication loop ({@link StreamBinding}),
 * so a hand-off to gRPC's default executor for each frame would cost a thread wake-up and nothing
 * else. The client API's calls may block (a write waits while the store's backlog is full), and a
 * blocked transport thread would stall every connection it serves, so they keep the executor.
 */
final class ReplicationOnTransport implements ServerCallExecutorSupplier {
  @Override
  public <ReqT, RespT> Executor getExecutor(ServerCall<ReqT, RespT> call, Metadata headers) {
    return ReplicationGrpc.SERVICE_NAME.equals(call.getMethodDescriptor().getServiceName())
        ? MoreExecutors.directExecutor() : null;
  }
}
