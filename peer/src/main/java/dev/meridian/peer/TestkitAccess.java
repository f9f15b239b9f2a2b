package dev.meridian.peer;

import dev.meridian.persistence.DocStore;
import dev.meridian.transport.store.ReplicaStore;
import java.util.Objects;

/**
 * Internal: the seam the peer testkit ({@code meridian-peer-testkit}) runs {@link Meridian} through
 * in its simulated cluster. Not an API for applications; it may change with any release.
 *
 * <p>A peer opened here is the real {@link Meridian} (the same {@code get}, {@code update}, {@code
 * delete}, {@code list} and {@code watch} code) on a store the caller opened, with no gRPC server
 * and no dialling: the caller runs a replication engine on {@link #replication} over a network of
 * its own, as the gRPC node would over sockets.
 */
public final class TestkitAccess {
  private TestkitAccess() {}

  /**
   * A peer named {@code site} on {@code store}, which it owns from now on ({@link Meridian#close}
   * closes it). The store's durable local writes reach replication and watchers as in {@link
   * Meridian.Builder#open()}.
   */
  public static Meridian embed(DocStore store, String site) {
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(site, "site");
    return Meridian.embedded(store, site);
  }

  /** Replication's view of {@code peer}'s store: what a replicator reads, joins and announces. */
  public static ReplicaStore replication(Meridian peer) {
    return peer.replicaStore();
  }
}
