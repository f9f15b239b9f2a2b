package dev.meridian.peer.config;

import static dev.meridian.peer.config.ConfigException.Reason.INVALID_VALUE;

import java.nio.file.Path;
import java.util.Map;

/**
 * The safe defaults of {@link PeerConfig.Builder#build()}: a plaintext server (the gRPC port
 * without TLS, the metrics endpoint, which is plain HTTP) listens beyond loopback only with {@code
 * insecure-plaintext}, and the gRPC port beyond loopback only under a cluster id of its own.
 * Loopback is judged by the address text ({@link HostPort#isLoopback()}), never resolved.
 */
final class Exposure {
  private Exposure() {}

  /**
   * Checks what may listen beyond loopback, and under which cluster id.
   *
   * @param origins the file each setting came from, by key (for messages)
   * @throws ConfigException naming the key at fault and what to set
   */
  static void check(HostPort listenAddress, String cluster, boolean tls, HostPort metricsAddress,
      boolean insecurePlaintext, Map<String, Path> origins) throws ConfigException {
    String insecure = "or, only on a network you trust entirely, insecure-plaintext: true"
        + " (--insecure-plaintext)";
    if (listenAddress != null && !listenAddress.isLoopback()) {
      if (!tls && !insecurePlaintext) {
        throw new ConfigException(INVALID_VALUE, origins.get(Keys.LISTEN), Keys.LISTEN,
            "'" + listenAddress + "' is beyond loopback and TLS is off: anyone who reaches it"
                + " could read, write and replicate every document. Set tls.cert, tls.key and"
                + " tls.ca (--tls-cert, --tls-key, --tls-ca), " + insecure);
      }
      if (cluster.equals(PeerConfig.DEFAULT_CLUSTER)) {
        throw new ConfigException(INVALID_VALUE, origins.get(Keys.CLUSTER), Keys.CLUSTER,
            "listening beyond loopback ('" + listenAddress + "') needs a cluster id of your"
                + " own, not the default '" + PeerConfig.DEFAULT_CLUSTER + "': set cluster"
                + " (--cluster) to the same hard-to-guess value on every peer");
      }
    }
    if (metricsAddress != null && !metricsAddress.isLoopback() && !insecurePlaintext) {
      throw new ConfigException(INVALID_VALUE, origins.get(Keys.METRICS), Keys.METRICS,
          "'" + metricsAddress + "' is beyond loopback, and the metrics endpoint is plain HTTP."
              + " Keep it on loopback (scrape through a proxy that adds TLS), set none, "
              + insecure);
    }
  }
}
