/**
 * The peer testkit: applications' own convergence checks over a seeded cluster of real embedded
 * peers. {@link dev.meridian.peer.testkit.Cluster} runs {@code n} real {@code Meridian} peers on
 * the real store and replication engine over a simulated network in virtual time, with faults on
 * demand; {@link dev.meridian.peer.testkit.ClusterCheck} runs an application's operations in a
 * {@link dev.meridian.peer.testkit.Schedule} of faults drawn from a seed, checks its invariants at
 * every site after every step and its properties once converged, and reports a failure with its
 * seed, trace and replay line, shrunk. No test engine is needed here; the jqwik glue lives in
 * {@code dev.meridian.peer.testkit.jqwik}.
 */
package dev.meridian.peer.testkit;
