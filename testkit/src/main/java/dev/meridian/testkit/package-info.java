/**
 * The Meridian testkit: lattice laws and convergence checks for any causal delta-CRDT, with no
 * dependency on a test engine. Describe a type with a {@link dev.meridian.testkit.CrdtSpec} (its
 * bottom state and a generator of random mutations, optionally a codec); {@link
 * dev.meridian.testkit.CrdtLaws} checks join, delta and {@code deltaSince} laws on random histories,
 * and {@link dev.meridian.testkit.ReplicaSimulator} checks that replicas converge over a network that
 * drops, duplicates and reorders. Every run is a function of a printed plan with a seed, so any
 * failure replays. The jqwik glue lives in {@code dev.meridian.testkit.jqwik}.
 */
package dev.meridian.testkit;
