package dev.meridian.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.meridian.persistence.Durability;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A List call reads a bounded number of documents, however many deleted ones lie between keys. */
class ListBoundsTest {
  @TempDir
  Path dir;

  @Test
  void list_pageOverTenThousandDeletedDocuments_returnsAfterTheBound_andContinues()
      throws Exception {
    try (Meridian m = Meridian.builder().dataDir(dir).durability(Durability.ASYNC).open()) {
      List<CompletableFuture<?>> writes = new ArrayList<>();
      int deleted = Meridian.LIST_SCAN + 50;
      for (int i = 0; i < deleted; i++) {
        String key = String.format("a/%06d", i);
        writes.add(m.update(key, d -> d.set("x", 1)).thenCompose(v -> m.delete(key)));
      }
      CompletableFuture.allOf(writes.toArray(new CompletableFuture<?>[0])).join();
      for (String k : List.of("b/1", "b/2", "b/3")) {
        m.update(k, d -> d.set("x", 1)).join();
      }
      m.flush();
      Meridian.Page first = m.list("", null, 100);
      assertEquals(List.of(), first.keys(), "the first 10,000 documents read are all deleted");
      assertNotNull(first.next(), "a token to go on");
      List<String> found = new ArrayList<>();
      String token = first.next();
      int calls = 1;
      while (token != null) {
        Meridian.Page p = m.list("", token, 100);
        found.addAll(p.keys());
        token = p.next();
        calls++;
        assertTrue(calls < 10, "pages make progress");
      }
      assertEquals(List.of("b/1", "b/2", "b/3"), found);
    }
  }
}
