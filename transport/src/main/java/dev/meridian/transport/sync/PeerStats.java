package dev.meridian.transport.sync;

import dev.meridian.crdt.ReplicaId;

/**
 * What one replica knows of one peer session, for metrics and status pages. A snapshot.
 *
 * @param peer the peer's replica id, or null before its Hello
 * @param address the address dialled, or the remote address of an accepted stream
 * @param outbound true if this replica dialled
 * @param state HANDSHAKE, OPEN, CLOSING or CLOSED
 * @param lagDots events held here that the peer's last reported context lacks
 * @param bytesIn frame bytes received
 * @param bytesOut frame bytes sent
 * @param deltasIn deltas received
 * @param deltasOut deltas sent
 * @param batchesIn batches received
 * @param batchesOut batches sent
 * @param rejectedFrames frames refused from this peer
 * @param droppedPushes pushes not queued because the peer, or this replica's replication loop, was
 *     too slow (left to catch-up)
 * @param catchUps catch-up walks started
 * @param queuedBytes bytes of pushes waiting
 * @param inFlightBytes bytes of batches sent and not yet acknowledged
 * @param lastContactNanos the engine clock when the peer was last heard, or -1 if never
 */
public record PeerStats(
    ReplicaId peer,
    String address,
    boolean outbound,
    String state,
    long lagDots,
    long bytesIn,
    long bytesOut,
    long deltasIn,
    long deltasOut,
    long batchesIn,
    long batchesOut,
    long rejectedFrames,
    long droppedPushes,
    long catchUps,
    long queuedBytes,
    long inFlightBytes,
    long lastContactNanos) {}
