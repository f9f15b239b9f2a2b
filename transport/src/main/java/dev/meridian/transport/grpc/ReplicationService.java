package dev.meridian.transport.grpc;

import dev.meridian.transport.proto.ReplicationGrpc;
import dev.meridian.transport.proto.SyncFrame;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

/**
 * The server side of the Sync stream. Only translates: each call becomes a session of the node's
 * engine, bound to the call with gRPC flow control.
 */
final class ReplicationService extends ReplicationGrpc.ReplicationImplBase {
  private final ReplicationNode node;

  ReplicationService(ReplicationNode node) {
    this.node = node;
  }

  @Override
  public StreamObserver<SyncFrame> sync(StreamObserver<SyncFrame> responses) {
    String remote = IdentityCheck.REMOTE.get();
    return StreamBinding.server(node, (ServerCallStreamObserver<SyncFrame>) responses,
        remote == null ? "unknown" : remote, IdentityCheck.SITE.get());
  }
}
