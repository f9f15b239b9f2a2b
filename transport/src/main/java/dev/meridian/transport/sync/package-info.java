/**
 * The replication protocol engine: one {@link dev.meridian.transport.sync.SyncSession} per peer
 * stream and a {@link dev.meridian.transport.sync.Replicator} that owns them, relays between them and
 * decides whom to dial. Pure state machines over protobuf frames and an injected clock: no threads,
 * no sockets, no gRPC. The same code runs in the seeded network simulation and under the gRPC driver
 * ({@code dev.meridian.transport.grpc}); a driver feeds it frames, time and readiness, and sends what
 * it polls.
 */
package dev.meridian.transport.sync;
