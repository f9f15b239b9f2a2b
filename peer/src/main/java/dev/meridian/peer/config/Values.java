package dev.meridian.peer.config;

import static dev.meridian.peer.config.ConfigException.Reason.INVALID_VALUE;

import dev.meridian.crdt.SiteNames;
import dev.meridian.persistence.Durability;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Checks one setting's value and turns it into its type. Shared by {@link ConfigFile} (which
 * checks as it reads, to name the file) and {@link PeerConfig.Builder#build()} (which checks
 * values from flags too). Every method throws {@link ConfigException} naming {@code file} (may
 * be null) and {@code key}.
 */
final class Values {
  /** The address value that turns a server off. */
  static final String NONE = "none";

  static final int MAX_CLUSTER_BYTES = 128;

  private Values() {}

  /** A listening address, or empty for {@code none}. */
  static Optional<HostPort> serverAddress(String raw, Path file, String key) throws ConfigException {
    if (raw.equals(NONE)) {
      return Optional.empty();
    }
    return Optional.of(address(raw, file, key));
  }

  /** A peer's address: like a listening address, but port 0 cannot be dialed and none is no peer. */
  static HostPort peerAddress(String raw, Path file, String key) throws ConfigException {
    HostPort address = address(raw, file, key);
    if (address.port() == 0) {
      throw new ConfigException(INVALID_VALUE, file, key, "'" + raw + "' has port 0, which cannot be dialed");
    }
    return address;
  }

  private static HostPort address(String raw, Path file, String key) throws ConfigException {
    try {
      return HostPort.parse(raw);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(INVALID_VALUE, file, key, e.getMessage(), e);
    }
  }

  /** The peers' addresses, checked one by one and for repeats. */
  static List<HostPort> peers(List<String> raw, Path file) throws ConfigException {
    List<HostPort> addresses = new ArrayList<>(raw.size());
    for (int i = 0; i < raw.size(); i++) {
      String key = Keys.element(Keys.PEERS, i);
      HostPort address = peerAddress(raw.get(i), file, key);
      int earlier = addresses.indexOf(address);
      if (earlier >= 0) {
        throw new ConfigException(INVALID_VALUE, file, key,
            "'" + raw.get(i) + "' is listed twice (also " + Keys.element(Keys.PEERS, earlier) + ")");
      }
      addresses.add(address);
    }
    return List.copyOf(addresses);
  }

  /** A site label, as {@link SiteNames} defines it. */
  static String site(String raw, Path file) throws ConfigException {
    if (!SiteNames.isValid(raw)) {
      throw new ConfigException(INVALID_VALUE, file, Keys.SITE, "'" + raw + "' is not a valid site label"
          + " (expected " + SiteNames.RULE + ")");
    }
    return raw;
  }

  /** A cluster name: 1-128 bytes of UTF-8. */
  static String cluster(String raw, Path file) throws ConfigException {
    int bytes = raw.getBytes(StandardCharsets.UTF_8).length;
    if (bytes == 0 || bytes > MAX_CLUSTER_BYTES) {
      throw new ConfigException(INVALID_VALUE, file, Keys.CLUSTER, "'" + raw + "' is " + bytes
          + " bytes long (expected 1-" + MAX_CLUSTER_BYTES + " bytes of UTF-8)");
    }
    return raw;
  }

  /** A durability, ignoring case: durable or async. */
  static Durability durability(String raw, Path file) throws ConfigException {
    for (Durability durability : Durability.values()) {
      if (durability.name().equalsIgnoreCase(raw)) {
        return durability;
      }
    }
    throw new ConfigException(INVALID_VALUE, file, Keys.DURABILITY, "'" + raw + "' is not one of "
        + Arrays.stream(Durability.values()).map(Values::durabilityName).collect(Collectors.joining(", ")));
  }

  /** A boolean: {@code true} or {@code false}, ignoring case. */
  static boolean bool(String raw, Path file, String key) throws ConfigException {
    if (raw.equalsIgnoreCase("true")) {
      return true;
    }
    if (raw.equalsIgnoreCase("false")) {
      return false;
    }
    throw new ConfigException(INVALID_VALUE, file, key, "'" + raw + "' is not true or false");
  }

  /** How a durability is written in YAML: lower case. */
  static String durabilityName(Durability durability) {
    return durability.name().toLowerCase(Locale.ROOT);
  }

  /** A file that must exist and be readable now (a TLS certificate or key). */
  static Path readableFile(Path path, Path file, String key) throws ConfigException {
    Path absolute = path.toAbsolutePath().normalize();
    String quoted = "'" + absolute + "'";
    if (!Files.exists(absolute)) {
      throw new ConfigException(INVALID_VALUE, file, key, quoted + " does not exist");
    }
    if (!Files.isRegularFile(absolute)) {
      throw new ConfigException(INVALID_VALUE, file, key, quoted + " is not a regular file");
    }
    if (!Files.isReadable(absolute)) {
      throw new ConfigException(INVALID_VALUE, file, key, quoted + " is not readable");
    }
    return absolute;
  }

  /** Certificate names: none empty or blank-edged, none repeated. */
  static List<String> certificateNames(List<String> raw, Path file) throws ConfigException {
    for (int i = 0; i < raw.size(); i++) {
      String key = Keys.element(Keys.TLS_ALLOWED_PEERS, i);
      String name = raw.get(i);
      if (name.isEmpty() || !name.strip().equals(name)) {
        throw new ConfigException(INVALID_VALUE, file, key,
            "'" + name + "' is not a certificate name (empty, or starts or ends with a space)");
      }
      int earlier = raw.subList(0, i).indexOf(name);
      if (earlier >= 0) {
        throw new ConfigException(INVALID_VALUE, file, key,
            "'" + name + "' is listed twice (also " + Keys.element(Keys.TLS_ALLOWED_PEERS, earlier) + ")");
      }
    }
    return List.copyOf(raw);
  }
}
