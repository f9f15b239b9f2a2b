package dev.meridian.peer.config;

import static dev.meridian.peer.config.ConfigException.Reason.INVALID_VALUE;
import static dev.meridian.peer.config.ConfigException.Reason.SYNTAX;
import static dev.meridian.peer.config.ConfigException.Reason.UNKNOWN_KEY;
import static dev.meridian.peer.config.ConfigException.Reason.UNREADABLE;
import static dev.meridian.peer.config.ConfigException.Reason.WRONG_TYPE;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Reads a peer's YAML configuration file into a {@link PeerConfig.Builder}, over the defaults.
 *
 * <p>The file is one YAML mapping (UTF-8) with these keys, all optional:
 *
 * <pre>{@code
 * data-dir: ./meridian-data       # relative paths are relative to this file's directory
 * site: berlin-1                  # 1-64 of A-Z a-z 0-9 . _ -; omit to generate one
 * listen: 127.0.0.1:7400          # host:port or [ipv6]:port of the gRPC server, or none
 * peers:                          # addresses to dial
 *   - 10.0.0.2:7400
 *   - "[fd00::3]:7400"
 * cluster: meridian               # 1-128 bytes
 * durability: durable             # durable or async (any case)
 * tls:                            # cert, key and ca: all three or none
 *   cert: tls/peer.pem
 *   key: tls/peer-key.pem
 *   ca: tls/ca.pem
 *   allowed-peers: [berlin-2]     # certificate names; empty accepts any the CA signed
 * metrics: 127.0.0.1:7480         # Prometheus endpoint, or none
 * health: 127.0.0.1:7401          # plaintext gRPC health only (for probes), or none (default)
 * insecure-plaintext: false       # true lets plaintext servers listen beyond loopback
 * access-file: access.txt         # tokens, certificates and their grants (docs/security.md)
 * }</pre>
 *
 * <p>Reading is strict, and every problem is a {@link ConfigException} naming the file and the
 * key. Scalars are all read as text (YAML 1.1 booleans and numbers are not converted). A key with
 * no value ({@code listen:} or {@code ~}) is an error, except that an empty list or {@code tls}
 * group counts as empty. An empty file (or one with only comments) is valid and gives the
 * defaults. Reading never builds objects from YAML tags: see the design notes in the source.
 *
 * <p>The file is read only for its structure and per-key values; settings that involve several
 * keys or the file system (TLS files all present and readable, metrics not on the listening
 * address) are checked by {@link PeerConfig.Builder#build()}, after command-line flags have had
 * their say, and the error still names this file when the value came from it.
 */
public final class ConfigFile {
  /* Design notes.
   * [1] The YAML is composed to nodes and walked by hand (ConfigYaml): no constructor, so no
   *     class is ever instantiated from the file, and each node keeps its line for messages.
   * [2] Values are checked here with the same Values methods build() uses, so the first error a
   *     user sees names this file and key; build() checks again for values set by flags.
   */

  private static final Logger log = LoggerFactory.getLogger(ConfigFile.class);
  private static final char BYTE_ORDER_MARK = '\uFEFF';

  private final Path file;
  private final Path directory;
  private final PeerConfig.Builder builder;

  private ConfigFile(Path file, PeerConfig.Builder builder) {
    this.file = file;
    this.directory = file.toAbsolutePath().getParent();
    this.builder = builder;
  }

  /**
   * Reads the file's settings into a new builder holding the defaults, ready for command-line
   * flags to override and for {@link PeerConfig.Builder#build()}.
   *
   * @param file the YAML file; messages name it as given
   * @return a builder with the defaults overlaid by the file's settings
   * @throws NullPointerException if {@code file} is null
   * @throws ConfigException if the file is missing or unreadable ({@code UNREADABLE}); is not
   *     YAML, has several documents, or repeats a key ({@code SYNTAX}, with line and column); has a
   *     key that is not a setting ({@code UNKNOWN_KEY}, listing the valid ones and the nearest);
   *     is not a mapping, or a value has the wrong shape, e.g. {@code peers: 5} ({@code
   *     WRONG_TYPE}); or a value is not valid, e.g. an address without a port ({@code
   *     INVALID_VALUE})
   */
  public static PeerConfig.Builder load(Path file) throws ConfigException {
    Objects.requireNonNull(file, "file");
    Node root = compose(file, read(file));
    PeerConfig.Builder builder = PeerConfig.builder();
    if (root != null) {
      new ConfigFile(file, builder).readSettings(root);
    }
    log.debug("Read configuration file {}", file);
    return builder;
  }

  private static String read(Path file) throws ConfigException {
    if (Files.isDirectory(file)) {
      throw new ConfigException(UNREADABLE, file, null, "is a directory, not a file");
    }
    try {
      String text = Files.readString(file, StandardCharsets.UTF_8);
      return !text.isEmpty() && text.charAt(0) == BYTE_ORDER_MARK ? text.substring(1) : text;
    } catch (NoSuchFileException e) {
      throw new ConfigException(UNREADABLE, file, null, "file not found", e);
    } catch (AccessDeniedException e) {
      throw new ConfigException(UNREADABLE, file, null, "permission denied", e);
    } catch (CharacterCodingException e) {
      throw new ConfigException(UNREADABLE, file, null, "is not valid UTF-8", e);
    } catch (IOException e) {
      throw new ConfigException(UNREADABLE, file, null, "cannot be read: " + e, e);
    }
  }

  private static Node compose(Path file, String text) throws ConfigException {
    try {
      return ConfigYaml.reader().compose(new StringReader(text));
    } catch (MarkedYAMLException e) {
      Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
      String where = mark == null ? "" : "line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1) + ": ";
      String problem = e.getContext() == null ? e.getProblem()
          : e.getProblem() == null ? e.getContext() : e.getContext() + ", " + e.getProblem();
      throw new ConfigException(SYNTAX, file, null, where + "not valid YAML: " + problem, e);
    } catch (YAMLException e) {
      throw new ConfigException(SYNTAX, file, null, "not valid YAML: " + e.getMessage(), e);
    }
  }

  private void readSettings(Node root) throws ConfigException {
    if (isNull(root)) {
      throw new ConfigException(WRONG_TYPE, file, null, "the document is empty (expected a mapping of"
          + " settings, key: value; an empty file gives the defaults)");
    }
    if (!(root instanceof MappingNode mappingNode) || !root.getTag().equals(Tag.MAP)) {
      throw new ConfigException(WRONG_TYPE, file, null,
          "expected a mapping of settings (key: value), got " + describe(root));
    }
    Map<String, Node> settings = entries(mappingNode, "", Keys.TOP);
    for (Map.Entry<String, Node> setting : settings.entrySet()) {
      String key = setting.getKey();
      Node value = setting.getValue();
      switch (key) {
        case Keys.DATA_DIR -> builder.dataDir(path(value, key));
        case Keys.SITE -> builder.site(Values.site(text(value, key), file));
        case Keys.LISTEN -> builder.listen(serverAddress(value, key));
        case Keys.PEERS -> {
          List<String> peers = list(value, key, "host:port addresses");
          Values.peers(peers, file);
          builder.peers(peers);
        }
        case Keys.CLUSTER -> builder.cluster(Values.cluster(text(value, key), file));
        case Keys.DURABILITY -> builder.durability(Values.durability(text(value, key), file));
        case Keys.TLS -> readTls(value);
        case Keys.METRICS -> builder.metrics(serverAddress(value, key));
        case Keys.HEALTH -> builder.health(serverAddress(value, key));
        case Keys.INSECURE_PLAINTEXT ->
            builder.insecurePlaintext(Values.bool(text(value, key), file, key));
        case Keys.ACCESS_FILE -> builder.accessFile(path(value, key));
        default -> throw new AssertionError("unhandled key " + key);
      }
      builder.origin(key, file);
    }
  }

  private void readTls(Node node) throws ConfigException {
    if (isNull(node)) {
      return;
    }
    if (!(node instanceof MappingNode mappingNode) || !node.getTag().equals(Tag.MAP)) {
      throw new ConfigException(WRONG_TYPE, file, Keys.TLS,
          "expected a mapping with keys " + String.join(", ", Keys.TLS_KEYS) + ", got " + describe(node));
    }
    for (Map.Entry<String, Node> setting : entries(mappingNode, Keys.TLS + ".", Keys.TLS_KEYS).entrySet()) {
      String key = Keys.TLS + "." + setting.getKey();
      Node value = setting.getValue();
      switch (key) {
        case Keys.TLS_CERT -> builder.tlsCert(path(value, key));
        case Keys.TLS_KEY -> builder.tlsKey(path(value, key));
        case Keys.TLS_CA -> builder.tlsCa(path(value, key));
        case Keys.TLS_ALLOWED_PEERS ->
            builder.tlsAllowedPeers(Values.certificateNames(list(value, key, "certificate names"), file));
        default -> throw new AssertionError("unhandled key " + key);
      }
      builder.origin(key, file);
    }
  }

  /** The mapping's entries by key, in file order; every key known and given once. */
  private Map<String, Node> entries(MappingNode mapping, String prefix, List<String> valid)
      throws ConfigException {
    Map<String, Node> entries = new LinkedHashMap<>();
    Map<String, Node> keyNodes = new LinkedHashMap<>();
    for (NodeTuple tuple : mapping.getValue()) {
      Node keyNode = tuple.getKeyNode();
      if (!(keyNode instanceof ScalarNode scalarNode) || !keyNode.getTag().equals(Tag.STR)) {
        throw new ConfigException(WRONG_TYPE, file, null,
            "expected a text key, got " + describe(keyNode));
      }
      String key = scalarNode.getValue();
      if (!valid.contains(key)) {
        String nearest = Keys.nearest(key, valid).map(k -> " (did you mean '" + k + "'?)").orElse("");
        String where = prefix.isEmpty() ? "" : " in " + prefix.substring(0, prefix.length() - 1);
        throw new ConfigException(UNKNOWN_KEY, file, prefix + key,
            "unknown key" + nearest + "; valid keys" + where + ": " + String.join(", ", valid));
      }
      Node first = keyNodes.putIfAbsent(key, keyNode);
      if (first != null) {
        throw new ConfigException(SYNTAX, file, prefix + key,
            "given twice (lines " + line(first) + " and " + line(keyNode) + ")");
      }
      entries.put(key, tuple.getValueNode());
    }
    return entries;
  }

  /** A scalar's text. */
  private String text(Node node, String key) throws ConfigException {
    if (isNull(node)) {
      throw new ConfigException(WRONG_TYPE, file, key, "has no value (give one, or remove the key for the default)");
    }
    if (!(node instanceof ScalarNode scalarNode)) {
      throw new ConfigException(WRONG_TYPE, file, key, "expected text, got " + describe(node));
    }
    if (!node.getTag().equals(Tag.STR)) {
      throw new ConfigException(WRONG_TYPE, file, key, "tag " + shortTag(node.getTag())
          + " is not supported (expected plain text)");
    }
    return scalarNode.getValue();
  }

  /** A list of scalars; no value is the empty list. */
  private List<String> list(Node node, String key, String what) throws ConfigException {
    if (isNull(node)) {
      return List.of();
    }
    if (!(node instanceof SequenceNode sequenceNode) || !node.getTag().equals(Tag.SEQ)) {
      throw new ConfigException(WRONG_TYPE, file, key, "expected a list of " + what + ", got " + describe(node));
    }
    List<Node> elements = sequenceNode.getValue();
    List<String> values = new ArrayList<>(elements.size());
    for (int i = 0; i < elements.size(); i++) {
      values.add(text(elements.get(i), Keys.element(key, i)));
    }
    return values;
  }

  /** A path, resolved against the file's directory. */
  private Path path(Node node, String key) throws ConfigException {
    String raw = text(node, key);
    if (raw.isEmpty()) {
      throw new ConfigException(INVALID_VALUE, file, key, "path is empty");
    }
    try {
      return directory.resolve(raw).normalize();
    } catch (InvalidPathException e) {
      throw new ConfigException(INVALID_VALUE, file, key, "'" + raw + "' is not a valid path: " + e.getReason(), e);
    }
  }

  /** A server address's text, checked. */
  private String serverAddress(Node node, String key) throws ConfigException {
    String raw = text(node, key);
    Values.serverAddress(raw, file, key);
    return raw;
  }

  /** A tag as written: {@code !!int} rather than {@code tag:yaml.org,2002:int}. */
  private static String shortTag(Tag tag) {
    return tag.getValue().startsWith(Tag.PREFIX) ? "!!" + tag.getValue().substring(Tag.PREFIX.length()) : tag.getValue();
  }

  private static boolean isNull(Node node) {
    return node instanceof ScalarNode && node.getTag().equals(Tag.NULL);
  }

  private static int line(Node node) {
    return node.getStartMark().getLine() + 1;
  }

  /** What a node is, for "expected X, got Y" messages. */
  private static String describe(Node node) {
    if (isNull(node)) {
      return "no value (line " + line(node) + ")";
    }
    if (node instanceof ScalarNode scalar) {
      return "'" + scalar.getValue() + "'";
    }
    if (node instanceof SequenceNode) {
      return "a list (line " + line(node) + ")";
    }
    return "a mapping (line " + line(node) + ")";
  }
}
