/**
 * Causal delta-CRDTs for Meridian: the replica identity and dot source shared by every type, the
 * small interfaces every type implements, and the table of stable type tags. The types live in the
 * sub-packages ({@code counter}, {@code register}, {@code flag}, {@code set}, {@code map}), the
 * causal machinery in {@code clock} and {@code store}, the JSON document model in {@code doc} and the
 * wire format in {@code codec}.
 */
package dev.meridian.crdt;
