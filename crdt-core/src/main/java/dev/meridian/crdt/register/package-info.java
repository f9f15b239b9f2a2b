/** The multi-value register: every concurrent write kept, one picked deterministically for reads. */
package dev.meridian.crdt.register;
