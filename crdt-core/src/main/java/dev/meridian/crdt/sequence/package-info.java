/**
 * Sequences: {@link dev.meridian.crdt.sequence.Text} (characters) and {@link
 * dev.meridian.crdt.sequence.OrList} (document values), both over the non-interleaving sequence
 * dot store {@link dev.meridian.crdt.store.DotSeq}, with run-length records and O(log n) positions.
 */
package dev.meridian.crdt.sequence;
