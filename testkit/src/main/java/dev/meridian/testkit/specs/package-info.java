/**
 * Ready-made {@link dev.meridian.testkit.CrdtSpec specs} of crdt-core's types (counter, register,
 * flag, set, map, document) with op generators that exercise every mutator, for the testkit's own
 * properties and for other modules' tests.
 */
package dev.meridian.testkit.specs;
