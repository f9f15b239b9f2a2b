package dev.meridian.peer.access;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The access file, read: who may connect and what each may do. Immutable.
 *
 * <p>The file is UTF-8 text, one rule a line; blank lines and lines starting with {@code #} are
 * skipped. Each rule names a credential and its grants ({@link Grant}: {@code role:prefix*}):
 *
 * <pre>
 * # kind   name          credential      grants
 * token    cart-service  sha256:9f86d0…  write:carts/* read:users/*
 * token    ops           sha256:60303a…  admin:*
 * client   billing                       read:carts/*     # certificate meridian-client:billing
 * peer     berlin                        read:*           # certificate meridian-peer:berlin
 * </pre>
 *
 * <p>A {@code token} line holds the SHA-256 of the token ({@link Tokens}), never the token. A
 * {@code client} line grants the client certificates naming {@code meridian-client:<name>}; a
 * {@code peer} line lets the peer certificates naming {@code meridian-peer:<site>} use the client
 * API too (they replicate without one). Names are 1 to 64 of {@code A-Z a-z 0-9 . _ -}, unique per
 * kind; a token hash appears once; every rule has at least one grant.
 */
public final class AccessRules {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
  private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");

  private final Map<String, Principal> tokens;
  private final Map<String, Principal> clients;
  private final Map<String, Principal> peers;

  private AccessRules(Map<String, Principal> tokens, Map<String, Principal> clients,
      Map<String, Principal> peers) {
    this.tokens = Map.copyOf(tokens);
    this.clients = Map.copyOf(clients);
    this.peers = Map.copyOf(peers);
  }

  /**
   * Reads the access file.
   *
   * @throws IOException if it cannot be read
   * @throws IllegalArgumentException for a rule that is not valid: {@code file:line: what}
   */
  public static AccessRules read(Path file) throws IOException {
    return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
  }

  /**
   * Reads rules from {@code text}; messages name {@code source} and the line.
   *
   * @throws IllegalArgumentException for a rule that is not valid: {@code source:line: what}
   */
  public static AccessRules parse(String text, String source) {
    Map<String, Principal> tokens = new HashMap<>();
    Map<String, Principal> tokenNames = new HashMap<>();
    Map<String, Principal> clients = new HashMap<>();
    Map<String, Principal> peers = new HashMap<>();
    String[] lines = text.split("\r?\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String where = source + ":" + (i + 1) + ": ";
      try {
        parseLine(line, tokens, tokenNames, clients, peers);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(where + e.getMessage(), e);
      }
    }
    return new AccessRules(tokens, clients, peers);
  }

  private static void parseLine(String line, Map<String, Principal> tokens,
      Map<String, Principal> tokenNames, Map<String, Principal> clients,
      Map<String, Principal> peers) {
    String[] words = line.split("\\s+");
    String kind = words[0].toLowerCase(Locale.ROOT);
    if (words.length < 2) {
      throw new IllegalArgumentException("a rule is 'token NAME sha256:HEX GRANT...', 'client"
          + " NAME GRANT...' or 'peer SITE GRANT...'");
    }
    String name = words[1];
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("name '" + name + "' is not 1 to 64 of"
          + " A-Z a-z 0-9 . _ -");
    }
    int firstGrant = 2;
    String hash = null;
    Principal.Kind k;
    switch (kind) {
      case "token" -> {
        k = Principal.Kind.TOKEN;
        if (words.length < 3 || !words[2].startsWith(Tokens.SHA256)
            || !HEX64.matcher(words[2].substring(Tokens.SHA256.length())).matches()) {
          throw new IllegalArgumentException("token '" + name + "' needs its hash as sha256:"
              + " and 64 lower-case hex digits after the name ('meridian token hash' prints it)");
        }
        hash = words[2].substring(Tokens.SHA256.length());
        firstGrant = 3;
      }
      case "client" -> k = Principal.Kind.CLIENT;
      case "peer" -> k = Principal.Kind.PEER;
      default -> throw new IllegalArgumentException("unknown rule kind '" + words[0]
          + "' (expected token, client or peer)");
    }
    List<Grant> grants = new ArrayList<>();
    for (int w = firstGrant; w < words.length; w++) {
      if (words[w].startsWith("#")) {
        break;
      }
      grants.add(Grant.parse(words[w]));
    }
    if (grants.isEmpty()) {
      throw new IllegalArgumentException(k.label() + " '" + name + "' has no grant (e.g."
          + " read:users/* or write:carts/*)");
    }
    Principal p = new Principal(k, name, grants);
    Map<String, Principal> byName = switch (k) {
      case TOKEN -> tokenNames;
      case CLIENT -> clients;
      case PEER -> peers;
    };
    if (byName.putIfAbsent(name, p) != null) {
      throw new IllegalArgumentException(k.label() + " '" + name + "' is given twice");
    }
    if (hash != null && tokens.putIfAbsent(hash, p) != null) {
      throw new IllegalArgumentException("token '" + name + "' has the hash of token '"
          + tokens.get(hash).name() + "'");
    }
  }

  /** The holder of the token whose SHA-256 is {@code sha256Hex}, if the file lists it. */
  public Optional<Principal> token(String sha256Hex) {
    return Optional.ofNullable(tokens.get(sha256Hex));
  }

  /** The grants of client certificates naming {@code meridian-client:<name>}, if listed. */
  public Optional<Principal> client(String name) {
    return Optional.ofNullable(clients.get(name));
  }

  /** The client API grants of peer certificates naming {@code meridian-peer:<site>}, if any. */
  public Optional<Principal> peer(String site) {
    return Optional.ofNullable(peers.get(site));
  }

  /** How many rules of each kind, for the log: {@code 2 tokens, 1 client, 0 peers}. */
  public String summary() {
    return tokens.size() + " tokens, " + clients.size() + " clients, " + peers.size() + " peers";
  }
}
