package dev.meridian.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.meridian.crdt.doc.Document;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's embedding example, as written there (a port of 0 instead of a fixed one). */
class ReadmeEmbeddingTest {
  @TempDir
  Path dir;

  @Test
  void readmeEmbeddingExample_works() throws Exception {
    LinkedBlockingQueue<String> printed = new LinkedBlockingQueue<>();
    try (Meridian store = Meridian.builder()
        .dataDir(dir.resolve("data"))
        .site("lisbon")
        .listen("127.0.0.1:0")
        .peers(List.of())
        .open()) {
      store.update("users/ada", doc -> doc.set("name", "Ada")).join();
      store.update("users/ada", doc -> {
        Document delta = doc.increment("visits", 1);
        delta.join(doc.add("tags", "math"));
        return delta;
      }).join();
      Optional<String> json = store.get("users/ada").map(Document::toJson);
      assertEquals(Optional.of("{\"name\":\"Ada\",\"tags\":[\"math\"],\"visits\":1}"), json);
      Meridian.Page page = store.list("users/", null, 100);
      assertEquals(List.of("users/ada"), page.keys());
      store.watch("users/", change -> printed.add(change.origin() + " " + change.key()));
      store.delete("users/ada").join();
      assertEquals("LOCAL users/ada", printed.poll(10, TimeUnit.SECONDS));
      assertTrue(store.get("users/ada").isEmpty());
    }
  }
}
