/**
 * The narrow storage interface replication works against ({@link
 * dev.meridian.transport.store.ReplicaStore}): apply remote deltas, report the store context, answer
 * the sync query, announce local deltas. {@link dev.meridian.transport.store.InMemoryReplicaStore} is
 * the reference implementation for tests, simulations and benchmarks; persistence implements the
 * same interface on disk.
 */
package dev.meridian.transport.store;
