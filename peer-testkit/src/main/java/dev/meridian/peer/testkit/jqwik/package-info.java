/**
 * jqwik glue for the peer testkit: {@link dev.meridian.peer.testkit.jqwik.ClusterArbitraries}
 * (sites, fault steps, operation steps, schedules that shrink). All logic lives in {@code
 * dev.meridian.peer.testkit}; this package only adapts it to jqwik.
 */
package dev.meridian.peer.testkit.jqwik;
