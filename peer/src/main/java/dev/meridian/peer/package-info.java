/**
 * The embeddable Meridian store: one replica's documents on disk ({@code meridian-persistence})
 * replicated to other peers over gRPC ({@code meridian-transport}), opened with {@link
 * dev.meridian.peer.Meridian#builder()}.
 */
package dev.meridian.peer;
