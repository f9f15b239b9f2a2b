package dev.meridian.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.meridian.crdt.codec.CrdtCodec;
import dev.meridian.crdt.doc.Document;
import dev.meridian.persistence.Durability;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The report, end to end with the real store: a document far larger than a 4 MiB frame,
 * written through many updates at one peer, reaches a fresh peer that joins later. About 90 s on
 * a busy 2-core machine (most of it the 200 writes), so opt-in: {@code -Dmeridian.largeDocuments=true}.
 */
class LargeDocumentReplicationTest {
  private static final Logger LOG = LoggerFactory.getLogger(LargeDocumentReplicationTest.class);

  @TempDir
  Path dir;

  private Meridian peer(String name, List<String> peers) throws Exception {
    return Meridian.builder().dataDir(dir.resolve(name)).site(name).listen("127.0.0.1:0")
        .peers(peers).durability(Durability.ASYNC)
        .syncTuning(b -> b.syncInterval(Duration.ofMillis(200)).reconnect(Duration.ofMillis(50),
            Duration.ofMillis(500)))
        .open();
  }

  @Test
  @org.junit.jupiter.api.condition.EnabledIfSystemProperty(named = "meridian.largeDocuments",
      matches = "true")
  void freshPeer_receivesADocumentOfManyFrames() throws Exception {
    try (Meridian a = peer("a", List.of())) {
      for (int w = 0; w < 200; w++) { // 200 updates of 1,000 keys, as in the report
        int base = w * 1_000;
        a.update("big/doc", d -> {
          Document delta = null;
          for (int i = base; i < base + 1_000; i++) {
            Document x = d.set(String.format("key-%07d", i), "value-" + i);
            if (delta == null) {
              delta = x;
            } else {
              delta.join(x);
            }
          }
          return delta;
        });
      }
      a.update("small", d -> d.set("x", 1)).join();
      a.flush();
      int bytes = CrdtCodec.encode(a.get("big/doc").orElseThrow()).length;
      assertTrue(bytes > 4 << 20, "larger than a frame: " + bytes);
      long start = System.nanoTime();
      try (Meridian b = peer("b", List.of(a.listenAddress()))) {
        long deadline = start + TimeUnit.SECONDS.toNanos(120);
        while (!b.get("big/doc").map(d -> d.asMap().size() == 200_000).orElse(false)
            && System.nanoTime() < deadline) {
          Thread.sleep(100);
        }
        LOG.info("a document of 200,000 keys ({} bytes) reached a fresh peer in {} ms", bytes,
            (System.nanoTime() - start) / 1_000_000);
        assertEquals(a.get("big/doc"), b.get("big/doc"));
        assertEquals(a.get("small"), b.get("small"));
      }
    }
  }
}
