package dev.meridian.peer.config;

import static dev.meridian.peer.config.ConfigException.Reason.INVALID_VALUE;

import dev.meridian.persistence.Durability;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Every setting of a peer daemon, checked and immutable. A peer needs no configuration at all:
 * {@link #defaults()} is a working single-node setup.
 *
 * <p>Settings come from three layers, each overriding the one before: the defaults, a YAML file
 * ({@link ConfigFile#load}), then command-line flags, which the CLI applies with the {@link
 * Builder} setters before calling {@link Builder#build()}. {@link #toYaml()} writes the result back
 * as a file {@link ConfigFile#load} reads.
 *
 * <table>
 *   <caption>Settings</caption>
 *   <tr><th>YAML key<th>getter<th>default
 *   <tr><td>{@code data-dir}<td>{@link #dataDir()}<td>{@code ./meridian-data}
 *   <tr><td>{@code site}<td>{@link #site()}<td>none: the peer generates one
 *   <tr><td>{@code listen}<td>{@link #listen()}<td>{@code 127.0.0.1:7400}
 *   <tr><td>{@code peers}<td>{@link #peers()}<td>empty
 *   <tr><td>{@code cluster}<td>{@link #cluster()}<td>{@code meridian}
 *   <tr><td>{@code durability}<td>{@link #durability()}<td>{@code durable}
 *   <tr><td>{@code tls}<td>{@link #tls()}<td>none: plaintext
 *   <tr><td>{@code metrics}<td>{@link #metrics()}<td>{@code 127.0.0.1:7480}
 *   <tr><td>{@code health}<td>{@link #health()}<td>none
 *   <tr><td>{@code insecure-plaintext}<td>{@link #insecurePlaintext()}<td>{@code false}
 *   <tr><td>{@code access-file}<td>{@link #accessFile()}<td>none: no access control
 * </table>
 *
 * <p>Safe defaults: a server (the gRPC port or the metrics endpoint) may listen beyond loopback
 * in plaintext only with {@code insecure-plaintext: true}, and the gRPC port may listen beyond
 * loopback only under a cluster id other than {@value #DEFAULT_CLUSTER}; {@link Builder#build()}
 * refuses the configuration otherwise, saying what to set.
 */
public final class PeerConfig {
  /* Design notes.
   * [1] The builder keeps addresses as text and checks everything in build(), so a flag parser
   *     can pass strings through and get one ConfigException, with the key, for any bad value.
   * [2] The builder remembers which file each setting came from (ConfigFile marks them; a public
   *     setter clears the mark), so an error found only in build() -- a missing TLS file, TLS half
   *     configured -- still names the file when the value came from one.
   * [3] build() makes paths absolute against the working directory: the value then means the same
   *     wherever it is used, and toYaml() round-trips from any directory.
   */

  /** Where a peer keeps its data unless told otherwise: {@code ./meridian-data}. */
  public static final Path DEFAULT_DATA_DIR = Path.of("./meridian-data");
  /** Where the gRPC server listens unless told otherwise: {@code 127.0.0.1:7400}. */
  public static final HostPort DEFAULT_LISTEN = HostPort.of("127.0.0.1", 7400);
  /** The cluster name unless told otherwise: {@code meridian}. */
  public static final String DEFAULT_CLUSTER = "meridian";
  /** The write durability unless told otherwise: {@link Durability#DURABLE}. */
  public static final Durability DEFAULT_DURABILITY = Durability.DURABLE;
  /** Where the Prometheus endpoint listens unless told otherwise: {@code 127.0.0.1:7480}. */
  public static final HostPort DEFAULT_METRICS = HostPort.of("127.0.0.1", 7480);

  private final Path dataDir;
  private final String site;
  private final HostPort listen;
  private final List<HostPort> peers;
  private final String cluster;
  private final Durability durability;
  private final TlsConfig tls;
  private final HostPort metrics;
  private final HostPort health;
  private final boolean insecurePlaintext;
  private final Path accessFile;

  private PeerConfig(Path dataDir, String site, HostPort listen, List<HostPort> peers, String cluster,
      Durability durability, TlsConfig tls, HostPort metrics, HostPort health,
      boolean insecurePlaintext, Path accessFile) {
    this.dataDir = dataDir;
    this.site = site;
    this.listen = listen;
    this.peers = peers;
    this.cluster = cluster;
    this.durability = durability;
    this.tls = tls;
    this.metrics = metrics;
    this.health = health;
    this.insecurePlaintext = insecurePlaintext;
    this.accessFile = accessFile;
  }

  /** A builder holding the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** The configuration with every setting at its default. */
  public static PeerConfig defaults() {
    try {
      return builder().build();
    } catch (ConfigException e) {
      throw new IllegalStateException("the defaults do not validate", e);
    }
  }

  /**
   * The directory holding this peer's documents and journal; absolute. Created at start if
   * missing. Default {@code ./meridian-data} in the working directory.
   */
  public Path dataDir() {
    return dataDir;
  }

  /**
   * The human label of this peer (1-64 of {@code A-Z a-z 0-9 . _ -}), shown in logs and status;
   * empty (the default) if the peer is to generate one.
   */
  public Optional<String> site() {
    return Optional.ofNullable(site);
  }

  /**
   * Where the gRPC server (client API and replication) listens; empty if it does not ({@code
   * none}). Default {@code 127.0.0.1:7400}; port 0 picks a free port.
   */
  public Optional<HostPort> listen() {
    return Optional.ofNullable(listen);
  }

  /** The peers this one dials, in order, without repeats; unmodifiable; empty by default. */
  public List<HostPort> peers() {
    return peers;
  }

  /**
   * The cluster name (1-128 bytes of UTF-8); peers refuse to replicate with a peer of another
   * cluster. Default {@code meridian}.
   */
  public String cluster() {
    return cluster;
  }

  /** When a write is acknowledged: after its fsync (default) or at once. */
  public Durability durability() {
    return durability;
  }

  /** The TLS settings; empty (the default) means plaintext connections. */
  public Optional<TlsConfig> tls() {
    return Optional.ofNullable(tls);
  }

  /**
   * Where the Prometheus HTTP endpoint ({@code /metrics}) listens; empty if disabled ({@code
   * none}). Default {@code 127.0.0.1:7480}.
   */
  public Optional<HostPort> metrics() {
    return Optional.ofNullable(metrics);
  }

  /**
   * Where the plaintext gRPC health endpoint listens; YAML {@code health}; empty (the default,
   * {@code none}) if there is none. It serves only the standard {@code grpc.health.v1.Health}
   * service, answering as the main port's health does, for probes that cannot present a client
   * certificate to a mutual-TLS port (Kubernetes' {@code grpc} probes). It carries no documents
   * and accepts no credentials, so it may listen beyond loopback without {@code
   * insecure-plaintext}.
   */
  public Optional<HostPort> health() {
    return Optional.ofNullable(health);
  }

  /**
   * Whether servers may listen beyond loopback in plaintext (the gRPC port without TLS, the
   * metrics endpoint, which is always plain HTTP); YAML {@code insecure-plaintext}, default false.
   */
  public boolean insecurePlaintext() {
    return insecurePlaintext;
  }

  /**
   * The access file (bearer token hashes, client and peer certificate names, and their grants:
   * see {@code dev.meridian.peer.access.AccessRules}); absolute; YAML {@code access-file}. Empty
   * (the default): no access control, every client may do everything.
   */
  public Optional<Path> accessFile() {
    return Optional.ofNullable(accessFile);
  }

  /**
   * The configuration as a YAML file: every setting, with its effective value, under the keys
   * {@link ConfigFile#load} reads; what {@code meridian peer --print-config} shows. Paths are
   * absolute, so loading the text from any directory gives an equal configuration. A site left
   * to be generated is omitted; {@code tls}, {@code health}, {@code insecure-plaintext} and
   * {@code access-file} appear only when set; a disabled server is {@code
   * none}. The text starts with a comment line.
   */
  public String toYaml() {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put(Keys.DATA_DIR, dataDir.toString());
    if (site != null) {
      root.put(Keys.SITE, site);
    }
    root.put(Keys.LISTEN, addressText(listen));
    root.put(Keys.PEERS, peers.stream().map(HostPort::toString).toList());
    root.put(Keys.CLUSTER, cluster);
    root.put(Keys.DURABILITY, Values.durabilityName(durability));
    if (tls != null) {
      Map<String, Object> group = new LinkedHashMap<>();
      group.put(Keys.CERT, tls.cert().toString());
      group.put(Keys.KEY, tls.key().toString());
      group.put(Keys.CA, tls.ca().toString());
      group.put(Keys.ALLOWED_PEERS, tls.allowedPeers());
      root.put(Keys.TLS, group);
    }
    root.put(Keys.METRICS, addressText(metrics));
    if (health != null) {
      root.put(Keys.HEALTH, health.toString());
    }
    if (insecurePlaintext) {
      root.put(Keys.INSECURE_PLAINTEXT, "true");
    }
    if (accessFile != null) {
      root.put(Keys.ACCESS_FILE, accessFile.toString());
    }
    return "# Effective configuration of a Meridian peer\n" + ConfigYaml.dump(root);
  }

  private static String addressText(HostPort address) {
    return address == null ? Values.NONE : address.toString();
  }

  /** Equal when every setting is equal. */
  @Override
  public boolean equals(Object o) {
    return o instanceof PeerConfig other
        && dataDir.equals(other.dataDir)
        && Objects.equals(site, other.site)
        && Objects.equals(listen, other.listen)
        && peers.equals(other.peers)
        && cluster.equals(other.cluster)
        && durability == other.durability
        && Objects.equals(tls, other.tls)
        && Objects.equals(metrics, other.metrics)
        && Objects.equals(health, other.health)
        && insecurePlaintext == other.insecurePlaintext
        && Objects.equals(accessFile, other.accessFile);
  }

  /** A hash of the settings, consistent with {@link #equals}. */
  @Override
  public int hashCode() {
    return Objects.hash(dataDir, site, listen, peers, cluster, durability, tls, metrics, health,
        insecurePlaintext, accessFile);
  }

  /** The settings on one line, for logs. */
  @Override
  public String toString() {
    return "PeerConfig[dataDir=" + dataDir + ", site=" + site + ", listen=" + addressText(listen)
        + ", peers=" + peers + ", cluster=" + cluster + ", durability=" + durability
        + ", tls=" + tls + ", metrics=" + addressText(metrics) + ", health=" + addressText(health)
        + ", insecurePlaintext=" + insecurePlaintext + ", accessFile=" + accessFile + "]";
  }

  /**
   * Collects settings, starting from the defaults; {@link #build()} checks them all. Setters
   * replace what was set before (a list setter replaces the whole list), which is how flags
   * override the file. Setters only reject null where null has no meaning; values are checked
   * by {@link #build()}. Not thread-safe.
   */
  public static final class Builder {
    private Path dataDir = DEFAULT_DATA_DIR;
    private String site;
    private String listen = DEFAULT_LISTEN.toString();
    private List<String> peers = List.of();
    private String cluster = DEFAULT_CLUSTER;
    private Durability durability = DEFAULT_DURABILITY;
    private Path tlsCert;
    private Path tlsKey;
    private Path tlsCa;
    private List<String> tlsAllowedPeers = List.of();
    private String metrics = DEFAULT_METRICS.toString();
    private String health = Values.NONE;
    private boolean insecurePlaintext;
    private Path accessFile;
    /** Setting key (data-dir, tls.cert...) to the file that set it; absent if set by code. */
    private final Map<String, Path> origins = new HashMap<>();

    private Builder() {}

    /**
     * Sets the data directory; a relative path is relative to the working directory.
     *
     * @throws NullPointerException if {@code dataDir} is null
     */
    public Builder dataDir(Path dataDir) {
      this.dataDir = Objects.requireNonNull(dataDir, "dataDir");
      return set(Keys.DATA_DIR);
    }

    /** Sets the site label; null (the default) lets the peer generate one. */
    public Builder site(String site) {
      this.site = site;
      return set(Keys.SITE);
    }

    /**
     * Sets the gRPC listening address as text: {@code host:port}, {@code [ipv6]:port}, or {@code
     * none} to not listen.
     *
     * @throws NullPointerException if {@code listen} is null
     */
    public Builder listen(String listen) {
      this.listen = Objects.requireNonNull(listen, "listen");
      return set(Keys.LISTEN);
    }

    /**
     * Sets the gRPC listening address.
     *
     * @throws NullPointerException if {@code listen} is null; use {@code listen("none")} to not
     *     listen
     */
    public Builder listen(HostPort listen) {
      return listen(listen.toString());
    }

    /**
     * Sets the peers to dial, each {@code host:port} or {@code [ipv6]:port}, replacing any set
     * before (so flags replace the file's list rather than add to it).
     *
     * @throws NullPointerException if the list or an element is null
     */
    public Builder peers(List<String> peers) {
      this.peers = List.copyOf(peers);
      return set(Keys.PEERS);
    }

    /**
     * Sets the cluster name.
     *
     * @throws NullPointerException if {@code cluster} is null
     */
    public Builder cluster(String cluster) {
      this.cluster = Objects.requireNonNull(cluster, "cluster");
      return set(Keys.CLUSTER);
    }

    /**
     * Sets the write durability.
     *
     * @throws NullPointerException if {@code durability} is null
     */
    public Builder durability(Durability durability) {
      this.durability = Objects.requireNonNull(durability, "durability");
      return set(Keys.DURABILITY);
    }

    /**
     * Sets the durability from its name, ignoring case ({@code durable} or {@code async}), as a
     * flag gives it.
     *
     * @throws ConfigException naming the valid values otherwise
     */
    public Builder durabilityNamed(String name) throws ConfigException {
      return durability(Values.durability(name.trim(), null));
    }

    /**
     * Sets the TLS certificate chain file; null unsets it. Relative paths are relative to the
     * working directory. TLS needs all of cert, key and ca, or none of them.
     */
    public Builder tlsCert(Path cert) {
      this.tlsCert = cert;
      return set(Keys.TLS_CERT);
    }

    /** Sets the TLS private key file; null unsets it. See {@link #tlsCert}. */
    public Builder tlsKey(Path key) {
      this.tlsKey = key;
      return set(Keys.TLS_KEY);
    }

    /** Sets the TLS CA certificates file; null unsets it. See {@link #tlsCert}. */
    public Builder tlsCa(Path ca) {
      this.tlsCa = ca;
      return set(Keys.TLS_CA);
    }

    /**
     * Sets the certificate names of the accepted peers, replacing any set before; empty accepts
     * any certificate the CA signed. Requires TLS.
     *
     * @throws NullPointerException if the list or an element is null
     */
    public Builder tlsAllowedPeers(List<String> names) {
      this.tlsAllowedPeers = List.copyOf(names);
      return set(Keys.TLS_ALLOWED_PEERS);
    }

    /**
     * Unsets all four TLS settings, so the peer runs plaintext (e.g. for a flag overriding a
     * file that configures TLS).
     */
    public Builder noTls() {
      return tlsCert(null).tlsKey(null).tlsCa(null).tlsAllowedPeers(List.of());
    }

    /**
     * Sets the Prometheus endpoint address as text: {@code host:port}, {@code [ipv6]:port}, or
     * {@code none} to disable it.
     *
     * @throws NullPointerException if {@code metrics} is null
     */
    public Builder metrics(String metrics) {
      this.metrics = Objects.requireNonNull(metrics, "metrics");
      return set(Keys.METRICS);
    }

    /**
     * Sets the Prometheus endpoint address.
     *
     * @throws NullPointerException if {@code metrics} is null; use {@code metrics("none")} to
     *     disable it
     */
    public Builder metrics(HostPort metrics) {
      return metrics(metrics.toString());
    }

    /**
     * Sets the plaintext gRPC health endpoint address as text: {@code host:port}, {@code
     * [ipv6]:port}, or {@code none} (the default) for none. See {@link PeerConfig#health()}.
     *
     * @throws NullPointerException if {@code health} is null
     */
    public Builder health(String health) {
      this.health = Objects.requireNonNull(health, "health");
      return set(Keys.HEALTH);
    }

    /**
     * Lets servers listen beyond loopback in plaintext: for a network you trust entirely. Without
     * it, {@link #build()} refuses a non-loopback listen address without TLS and a non-loopback
     * metrics address.
     */
    public Builder insecurePlaintext(boolean insecure) {
      this.insecurePlaintext = insecure;
      return set(Keys.INSECURE_PLAINTEXT);
    }

    /** Sets the access file (relative: to the working directory); null: no access control. */
    public Builder accessFile(Path file) {
      this.accessFile = file;
      return set(Keys.ACCESS_FILE);
    }

    /** Records that {@code key}'s current value came from {@code file} (for error messages). */
    void origin(String key, Path file) {
      origins.put(key, file);
    }

    private Builder set(String key) {
      origins.remove(key);
      return this;
    }

    /**
     * Checks every setting and returns the configuration. Paths become absolute (against the
     * working directory), and the TLS files must exist and be readable now. The builder can be
     * used again afterwards.
     *
     * @throws ConfigException with reason {@code INVALID_VALUE} for the first setting that is
     *     not valid: a bad site, address, or cluster name; a peer given twice or with port 0;
     *     metrics on the listening address; health on the listening or the metrics address; TLS files given only in part, missing or unreadable;
     *     allowed peers without TLS; a server beyond loopback in plaintext without {@code
     *     insecure-plaintext}; the gRPC port beyond loopback under the default cluster id; an
     *     access file that is missing, or set with peers but without TLS. The message names the
     *     key and, if the value came from a file, the file.
     */
    public PeerConfig build() throws ConfigException {
      String checkedSite = site == null ? null : Values.site(site, origins.get(Keys.SITE));
      HostPort listenAddress =
          Values.serverAddress(listen, origins.get(Keys.LISTEN), Keys.LISTEN).orElse(null);
      List<HostPort> peerAddresses = Values.peers(peers, origins.get(Keys.PEERS));
      String checkedCluster = Values.cluster(cluster, origins.get(Keys.CLUSTER));
      HostPort metricsAddress =
          Values.serverAddress(metrics, origins.get(Keys.METRICS), Keys.METRICS).orElse(null);
      if (metricsAddress != null && metricsAddress.port() != 0 && metricsAddress.equals(listenAddress)) {
        throw new ConfigException(INVALID_VALUE, origins.get(Keys.METRICS), Keys.METRICS,
            "'" + metrics + "' is also the listen address");
      }
      HostPort healthAddress =
          Values.serverAddress(health, origins.get(Keys.HEALTH), Keys.HEALTH).orElse(null);
      if (healthAddress != null && healthAddress.port() != 0) {
        String clash = healthAddress.equals(listenAddress) ? "listen"
            : healthAddress.equals(metricsAddress) ? "metrics" : null;
        if (clash != null) {
          throw new ConfigException(INVALID_VALUE, origins.get(Keys.HEALTH), Keys.HEALTH,
              "'" + health + "' is also the " + clash + " address");
        }
      }
      TlsConfig checkedTls = buildTls();
      Exposure.check(listenAddress, checkedCluster, checkedTls != null, metricsAddress,
          insecurePlaintext, origins);
      Path checkedAccess = accessFile == null ? null
          : Values.readableFile(accessFile, origins.get(Keys.ACCESS_FILE), Keys.ACCESS_FILE);
      if (checkedAccess != null && checkedTls == null && !peerAddresses.isEmpty()) {
        throw new ConfigException(INVALID_VALUE, origins.get(Keys.ACCESS_FILE), Keys.ACCESS_FILE,
            "is set with peers but without TLS: under access control peers replicate only with"
                + " certificates naming meridian-peer:<site>, so set tls.cert, tls.key and tls.ca"
                + " (--tls-cert, --tls-key, --tls-ca)");
      }
      return new PeerConfig(dataDir.toAbsolutePath().normalize(), checkedSite, listenAddress,
          peerAddresses, checkedCluster, durability, checkedTls, metricsAddress, healthAddress,
          insecurePlaintext, checkedAccess);
    }

    private TlsConfig buildTls() throws ConfigException {
      List<String> given = new ArrayList<>();
      List<String> missing = new ArrayList<>();
      (tlsCert != null ? given : missing).add(Keys.CERT);
      (tlsKey != null ? given : missing).add(Keys.KEY);
      (tlsCa != null ? given : missing).add(Keys.CA);
      if (given.isEmpty()) {
        if (!tlsAllowedPeers.isEmpty()) {
          throw new ConfigException(INVALID_VALUE, origins.get(Keys.TLS_ALLOWED_PEERS),
              Keys.TLS_ALLOWED_PEERS, "is set, but TLS is not (it needs tls.cert, tls.key and tls.ca)");
        }
        return null;
      }
      if (!missing.isEmpty()) {
        throw new ConfigException(INVALID_VALUE, origins.get(Keys.TLS + "." + given.get(0)), Keys.TLS,
            String.join(" and ", given) + (given.size() == 1 ? " is" : " are") + " set but "
                + String.join(" and ", missing) + (missing.size() == 1 ? " is" : " are")
                + " not (give cert, key and ca, or none of them)");
      }
      return new TlsConfig(
          Values.readableFile(tlsCert, origins.get(Keys.TLS_CERT), Keys.TLS_CERT),
          Values.readableFile(tlsKey, origins.get(Keys.TLS_KEY), Keys.TLS_KEY),
          Values.readableFile(tlsCa, origins.get(Keys.TLS_CA), Keys.TLS_CA),
          Values.certificateNames(tlsAllowedPeers, origins.get(Keys.TLS_ALLOWED_PEERS)));
    }
  }
}
