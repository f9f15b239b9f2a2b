package dev.meridian.persistence;

import dev.meridian.crdt.doc.KeyedDelta;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.doc.Document;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Restarts leave no gap in the store context, so catch-up costs O(missing) after any number. */
class RestartTest {
  @TempDir Path tmp;

  private static int ranges(CausalContext c) {
    int[] n = {0};
    c.forEachRange((r, lo, hi) -> n[0]++);
    return n[0];
  }

  @Test
  void fiveRestarts_crashedOrClean_keepTheContextOneRange_andSyncLoadsOnlyWhatIsMissing()
      throws Exception {
    Path dir = tmp.resolve("s");
    List<Document> lastDeltas = new ArrayList<>();
    Set<String> lastKeys = new HashSet<>();
    for (int run = 0; run < 6; run++) {
      MapDbDocStore s = MapDbDocStore.open(StoreOptions.in(dir).build());
      for (int i = 0; i < 300; i++) {
        String key = "r" + run + "/d" + i;
        Document delta = s.update(key, d -> d.set("v", 1L)).join();
        if (run == 5 && i >= 100) {
          lastDeltas.add(delta);
          lastKeys.add(key);
        }
      }
      // A failed write leaves void dots too.
      assertTrue(s.update("bad", d -> {
        d.set("x", 1L);
        throw new IllegalStateException("refused");
      }).isCompletedExceptionally());
      if (run < 5) {
        if (run % 2 == 0) {
          s.crash(); // as a crash: the reservation is left unused
        } else {
          s.close();
        }
        continue;
      }
      CausalContext held = s.context();
      assertEquals(1, ranges(held), "the store context has gaps: " + held);
      // A peer that holds everything but the last 200 writes.
      CausalContext remote = held.copy();
      CausalContext missing = new CausalContext();
      lastDeltas.forEach(d -> missing.addAll(d.context()));
      remote = remote.minus(missing);
      int returned = 0;
      Set<String> keys = new HashSet<>();
      try (CloseableIterator<KeyedDelta> it = s.changedSince(remote)) {
        SyncQuery q = (SyncQuery) it;
        while (it.hasNext()) {
          keys.add(it.next().key());
          returned++;
        }
        assertEquals(lastKeys, keys);
        assertTrue(q.documentsLoaded() <= 2L * returned,
            "the sync query loaded " + q.documentsLoaded() + " documents to return " + returned);
      }
      s.close();
    }
  }

  @Test
  void cachedDocument_isReweighedAsItGrows() throws Exception {
    long bound = 64 << 10;
    try (MapDbDocStore s = MapDbDocStore.open(StoreOptions.in(tmp.resolve("c"))
        .cacheBytes(bound).build())) {
      s.update("big", d -> d.set("k0", "v")).join();
      assertTrue(s.cachedForTests("big") != null, "a written document is cached");
      String pad = "p".repeat(100);
      for (int i = 1; i < 2000; i++) {
        int ii = i;
        s.update("big", d -> d.set("k" + ii, pad)).join();
        Document cached = s.cachedForTests("big");
        if (cached != null) {
          int size = dev.meridian.crdt.codec.CrdtCodec.encode(cached).length;
          assertTrue(size <= bound + bound / 4 + 4096,
              "a cached document of " + size + " bytes outgrew the cache's " + bound);
        }
      }
      assertNull(s.cachedForTests("big"), "the document outgrew the cache and stayed");
      assertEquals(1999 + 1, s.get("big").orElseThrow().asMap().size());
    }
  }
}
