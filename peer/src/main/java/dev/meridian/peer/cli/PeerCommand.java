package dev.meridian.peer.cli;

import dev.meridian.peer.Meridian;
import dev.meridian.peer.access.AccessControl;
import dev.meridian.peer.config.ConfigException;
import dev.meridian.peer.config.ConfigFile;
import dev.meridian.peer.config.HostPort;
import dev.meridian.peer.config.PeerConfig;
import dev.meridian.peer.config.TlsConfig;
import dev.meridian.peer.daemon.PeerDaemon;
import dev.meridian.transport.grpc.TlsSettings;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code meridian peer}: runs a peer daemon. With no options it keeps its documents in {@code
 * ./meridian-data}, serves replication and the client API on 127.0.0.1:7400 and metrics on
 * 127.0.0.1:7480, under a generated site name. Settings come from the defaults, then a YAML file
 * ({@code --config}), then the flags. SIGTERM or Ctrl-C stops it cleanly.
 */
@Command(name = "peer", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Runs a peer daemon: a replica on disk that serves clients and peers.",
        "",
        "It stores documents on disk, serves the client API, and replicates with",
        "the peers it is given (and those they know). Needs no configuration:",
        "defaults to ./meridian-data, 127.0.0.1:7400, metrics on :7480. --peer",
        "flags replace the peers of a config file; other flags override one key."},
    footer = {"", "Examples:",
        "  meridian peer",
        "  meridian peer --data-dir /tmp/a --listen 127.0.0.1:7401 --metrics none",
        "  meridian peer --data-dir /tmp/b --listen 127.0.0.1:7402 --peer 127.0.0.1:7401",
        "  meridian peer --config peer.yaml --print-config",
        "", "Config file keys: data-dir, site, listen, peers, cluster, durability,",
        "tls {cert, key, ca, allowed-peers}, metrics, health, insecure-plaintext,",
        "access-file.",
        "Log level: MERIDIAN_LOG_LEVEL (default INFO)."})
public final class PeerCommand implements Callable<Integer> {
  /** How often the daemon checks its access file for changes. */
  static final java.time.Duration ACCESS_FILE_CHECK = java.time.Duration.ofSeconds(1);

  @Spec
  CommandSpec spec;

  @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "A YAML config file.")
  Path config;

  @Option(names = "--data-dir", paramLabel = "DIR", description = "Data directory (./meridian-data).")
  Path dataDir;

  @Option(names = "--site", paramLabel = "NAME", description = "Site name (generated, then kept).")
  String site;

  @Option(names = "--listen", paramLabel = "HOST:PORT",
      description = "Address for replication and the client API (127.0.0.1:7400), or 'none'.")
  String listen;

  @Option(names = {"--peer", "--peers"}, paramLabel = "HOST:PORT", split = ",",
      description = "A peer to dial; repeat or separate with commas. Replaces the config's"
          + " peers.")
  List<String> peers;

  @Option(names = "--cluster", paramLabel = "ID", description = "Cluster id (meridian).")
  String cluster;

  @Option(names = "--durability", paramLabel = "MODE",
      description = "durable (fsync before acknowledging, the default) or async.")
  String durability;

  @Option(names = "--metrics", paramLabel = "HOST:PORT",
      description = "Prometheus endpoint (127.0.0.1:7480), or 'none'.")
  String metrics;

  @Option(names = "--health", paramLabel = "HOST:PORT",
      description = "Plaintext gRPC health endpoint for probes that cannot do mutual TLS"
          + " (Kubernetes grpc probes), or 'none' (the default).")
  String health;

  @Option(names = "--tls-cert", paramLabel = "FILE", description = "This peer's certificate chain (PEM).")
  Path tlsCert;

  @Option(names = "--tls-key", paramLabel = "FILE", description = "Its private key (PEM, PKCS#8).")
  Path tlsKey;

  @Option(names = "--tls-ca", paramLabel = "FILE", description = "CAs trusted for peers and clients."
      + " The three TLS files are re-read when replaced (see docs/security.md).")
  Path tlsCa;

  @Option(names = "--allow-peer", paramLabel = "NAME", split = ",",
      description = "Accept only peers whose certificate names one of these.")
  List<String> allowPeers;

  @Option(names = "--insecure-plaintext",
      description = "Let plaintext servers (gRPC without TLS, metrics) listen beyond loopback:"
          + " only on a network you trust entirely.")
  boolean insecurePlaintext;

  @Option(names = "--access-file", paramLabel = "FILE",
      description = "Tokens, certificates and their grants (see docs/security.md); re-read"
          + " when it changes. Without it every client may do everything.")
  Path accessFile;

  @Option(names = "--print-config", description = "Print the effective configuration and exit.")
  boolean printConfig;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    PeerConfig effective;
    try {
      effective = effectiveConfig();
    } catch (ConfigException e) {
      err.println("meridian peer: " + e.getMessage());
      err.flush();
      return 2;
    }
    if (printConfig) {
      out.print(effective.toYaml());
      out.flush();
      return 0;
    }
    PeerDaemon daemon;
    try {
      Meridian.Builder store = builder(effective);
      if (effective.accessFile().isPresent()) {
        store.accessControl(AccessControl.watching(effective.accessFile().get(),
            ACCESS_FILE_CHECK));
      }
      daemon = PeerDaemon.start(store, effective.metrics()
          .map(h -> new InetSocketAddress(h.host(), h.port())).orElse(null), effective.health()
          .map(h -> new InetSocketAddress(h.host(), h.port())).orElse(null));
    } catch (IllegalArgumentException e) {
      err.println("meridian peer: " + e.getMessage());
      err.flush();
      return 2;
    } catch (IOException e) {
      err.println("meridian peer: " + e.getMessage());
      err.flush();
      return 1;
    }
    try {
      daemon.runUntilStopped(out, effective.metrics().map(HostPort::host).orElse(""));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      daemon.stop();
    }
    return 0;
  }

  /** Defaults, then the file, then the flags. */
  PeerConfig effectiveConfig() throws ConfigException {
    PeerConfig.Builder b = config == null ? PeerConfig.builder() : ConfigFile.load(config);
    if (dataDir != null) {
      b.dataDir(dataDir);
    }
    if (site != null) {
      b.site(site);
    }
    if (listen != null) {
      b.listen(listen);
    }
    if (peers != null) {
      b.peers(peers);
    }
    if (cluster != null) {
      b.cluster(cluster);
    }
    if (durability != null) {
      b.durabilityNamed(durability);
    }
    if (metrics != null) {
      b.metrics(metrics);
    }
    if (health != null) {
      b.health(health);
    }
    if (tlsCert != null) {
      b.tlsCert(tlsCert);
    }
    if (tlsKey != null) {
      b.tlsKey(tlsKey);
    }
    if (tlsCa != null) {
      b.tlsCa(tlsCa);
    }
    if (allowPeers != null) {
      b.tlsAllowedPeers(allowPeers);
    }
    if (insecurePlaintext) {
      b.insecurePlaintext(true);
    }
    if (accessFile != null) {
      b.accessFile(accessFile);
    }
    return b.build();
  }

  /** The store settings of a configuration. */
  static Meridian.Builder builder(PeerConfig c) {
    Meridian.Builder b = Meridian.builder().dataDir(c.dataDir()).cluster(c.cluster())
        .durability(c.durability()).insecurePlaintext(c.insecurePlaintext())
        .peers(c.peers().stream().map(HostPort::toString).toList());
    c.site().ifPresent(b::site);
    c.listen().ifPresent(l -> b.listen(l.toString()));
    if (c.tls().isPresent()) {
      TlsConfig t = c.tls().get();
      TlsSettings s = TlsSettings.mutual(t.cert().toFile(), t.key().toFile(), t.ca().toFile());
      if (!t.allowedPeers().isEmpty()) {
        s = s.allowing(new HashSet<>(t.allowedPeers()));
      }
      b.tls(s);
    }
    return b;
  }
}
