/**
 * Causality: dots (one event of one replica), causal contexts (which dots a state has seen), version
 * vectors for comparison, and the hybrid logical clock that orders concurrent register writes.
 */
package dev.meridian.crdt.clock;
