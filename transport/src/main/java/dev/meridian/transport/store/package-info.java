/**
 * The narrow storage interface replication works against ({@link
 * dev.meridian.transport.store.ReplicaStore}): apply remote deltas, report the store context, answer
 * the sync query, announce local deltas. {@link dev.meridian.transport.store.InMemoryReplicaStore} is
 * the reference implementation for tests, simulations and benchmarks; on disk, the peer module's
 * adapter implements it over the persistence store (transport never depends on persistence).
 */
package dev.meridian.transport.store;
