/**
 * Dot stores, the building blocks of every causal type: a set of dots, a map from dots to values, and
 * a map from keys to nested dot stores. Each has one generic join, so every type built from them
 * (and a user's own types) merges correctly without writing merge again.
 */
package dev.meridian.crdt.store;
