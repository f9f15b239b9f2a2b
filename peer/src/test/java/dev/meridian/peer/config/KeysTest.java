package dev.meridian.peer.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class KeysTest {

  @ParameterizedTest
  @CsvSource({
      "liste, listen",
      "lisen, listen",
      "dataDir, data-dir",
      "data_dir, data-dir",
      "DATA-DIR, data-dir",
      "peer, peers",
      "metric, metrics",
      "durabilty, durability",
      "clustre, cluster",
      "sites, site",
  })
  void nearest_topLevelTypo(String typo, String meant) {
    assertEquals(Optional.of(meant), Keys.nearest(typo, Keys.TOP));
  }

  @ParameterizedTest
  @CsvSource({"allowedPeers, allowed-peers", "allowed_peers, allowed-peers", "certt, cert", "keys, key", "cas, ca"})
  void nearest_tlsTypo(String typo, String meant) {
    assertEquals(Optional.of(meant), Keys.nearest(typo, Keys.TLS_KEYS));
  }

  @ParameterizedTest
  @CsvSource({"colour", "port", "xy", "host", "directory"})
  void nearest_noCloseKey(String unknown) {
    assertEquals(Optional.empty(), Keys.nearest(unknown, Keys.TOP));
  }

  @ParameterizedTest
  @CsvSource({"'', '', 0", "a, '', 1", "kitten, sitting, 3", "listen, liste, 1", "ab, ba, 2"})
  void editDistance_levenshtein(String a, String b, int distance) {
    assertEquals(distance, Keys.editDistance(a, b));
    assertEquals(distance, Keys.editDistance(b, a));
  }
}
