/**
 * A seeded, deterministic, single-threaded simulation of replication: real {@link
 * dev.meridian.transport.sync.Replicator}s over a {@link dev.meridian.transport.sim.SimNetwork}
 * that delays, reorders, drops and duplicates frames and partitions nodes, in virtual time, with
 * each node's storage behind {@link dev.meridian.transport.sim.SimStore} (crashes lose what it had
 * not made durable). Internal: the transport's and the peer's simulation tests and the peer
 * testkit build on it; applications use the peer testkit instead.
 */
package dev.meridian.transport.sim;
