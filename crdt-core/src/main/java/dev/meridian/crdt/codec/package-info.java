/**
 * The wire codec: protobuf encodings of causal contexts, states and deltas, with one version byte
 * per blob, a replica table per message, deterministic bytes, and decoders that validate everything
 * and fail only with {@link dev.meridian.crdt.codec.CodecException}.
 */
package dev.meridian.crdt.codec;
