/**
 * The JSON document model: a {@link dev.meridian.crdt.doc.Document} is an observed-remove map
 * addressed by paths such as {@code profile.name}, read as JSON, with conflicts visible on request.
 */
package dev.meridian.crdt.doc;
