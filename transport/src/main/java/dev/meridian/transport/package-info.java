/**
 * Meridian's replication between replicas: the storage interface it needs ({@code store}), the
 * protocol engine that knows nothing of sockets ({@code sync}) and its gRPC binding ({@code grpc}).
 * The wire protocol is {@code meridian/transport/v1/replication.proto}.
 */
package dev.meridian.transport;
