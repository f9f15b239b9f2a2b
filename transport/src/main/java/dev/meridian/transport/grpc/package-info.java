/**
 * The gRPC binding of the replication engine: {@link dev.meridian.transport.grpc.ReplicationNode}
 * runs a {@link dev.meridian.transport.sync.Replicator} on one event-loop thread, serves the Sync
 * stream ({@link dev.meridian.transport.grpc.ReplicationService} only translates), dials peers with
 * gRPC flow control (isReady/onReady outbound, one-by-one requests inbound), and {@link
 * dev.meridian.transport.grpc.TlsSettings} sets up TLS or mutual TLS from PEM files with an optional
 * allowlist of peer certificate names; the files are looked at again at each handshake, so a
 * certificate, key or CA bundle replaced on disk is used by the next connection (no TLS session is
 * resumed), and each handshake the server refuses is audited on {@code meridian.audit}.
 */
package dev.meridian.transport.grpc;
