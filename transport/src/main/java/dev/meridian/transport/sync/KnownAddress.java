package dev.meridian.transport.sync;

import dev.meridian.crdt.ReplicaId;

/**
 * One address in a replica's directory of peers to dial, for status pages. A snapshot.
 *
 * @param address the address, as configured or as a peer advertised it
 * @param replica the replica that last answered there, or null if none has yet
 * @param configured true if configured, false if learned from a peer
 * @param self true if the address turned out to reach this replica itself (never dialled again)
 */
public record KnownAddress(String address, ReplicaId replica, boolean configured, boolean self) {}
