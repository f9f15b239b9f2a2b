package dev.meridian.peer.config;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** The YAML key names, and the nearest valid key to a mistyped one. */
final class Keys {
  static final String DATA_DIR = "data-dir";
  static final String SITE = "site";
  static final String LISTEN = "listen";
  static final String PEERS = "peers";
  static final String CLUSTER = "cluster";
  static final String DURABILITY = "durability";
  static final String TLS = "tls";
  static final String METRICS = "metrics";
  static final String HEALTH = "health";
  static final String INSECURE_PLAINTEXT = "insecure-plaintext";
  static final String ACCESS_FILE = "access-file";

  static final String CERT = "cert";
  static final String KEY = "key";
  static final String CA = "ca";
  static final String ALLOWED_PEERS = "allowed-peers";

  static final String TLS_CERT = TLS + "." + CERT;
  static final String TLS_KEY = TLS + "." + KEY;
  static final String TLS_CA = TLS + "." + CA;
  static final String TLS_ALLOWED_PEERS = TLS + "." + ALLOWED_PEERS;

  /** The top-level keys, in the order the file and {@link PeerConfig#toYaml()} list them. */
  static final List<String> TOP = List.of(DATA_DIR, SITE, LISTEN, PEERS, CLUSTER, DURABILITY, TLS, METRICS,
      HEALTH, INSECURE_PLAINTEXT, ACCESS_FILE);

  /** The keys inside {@code tls}. */
  static final List<String> TLS_KEYS = List.of(CERT, KEY, CA, ALLOWED_PEERS);

  private static final int MAX_TYPO_DISTANCE = 2;

  private Keys() {}

  /** The key of list element {@code index}: {@code peers[1]}. */
  static String element(String key, int index) {
    return key + "[" + index + "]";
  }

  /**
   * The valid key {@code unknown} most likely meant: the closest, ignoring case, within one edit
   * for keys shorter than six characters and two otherwise ({@code liste}, {@code dataDir} and
   * {@code data_dir} find their key); empty if none is that close.
   */
  static Optional<String> nearest(String unknown, List<String> valid) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String candidate : valid) {
      int distance = editDistance(unknown.toLowerCase(Locale.ROOT), candidate);
      int allowed = Math.min(MAX_TYPO_DISTANCE, Math.max(1, candidate.length() / 3));
      if (distance <= allowed && distance < bestDistance) {
        best = candidate;
        bestDistance = distance;
      }
    }
    return Optional.ofNullable(best);
  }

  /** Levenshtein distance: insertions, deletions and substitutions of one char each cost 1. */
  static int editDistance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitute = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitute, Math.min(previous[j], current[j - 1]) + 1);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }
}
