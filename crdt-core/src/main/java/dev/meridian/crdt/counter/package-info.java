/** The causal counter: increments and decrements that can be reset by an enclosing map. */
package dev.meridian.crdt.counter;
