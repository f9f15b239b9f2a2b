package dev.meridian.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.meridian.crdt.codec.CrdtCodec;
import dev.meridian.crdt.doc.Document;
import java.nio.file.Path;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A write that would make a document larger than the limit fails with our message, writes nothing. */
class DocumentSizeLimitTest {
  @TempDir
  Path dir;

  @Test
  void update_pastTheMaximumDocumentSize_failsAndChangesNothing() throws Exception {
    try (Meridian m = Meridian.builder().dataDir(dir.resolve("data")).maxDocumentBytes(64 << 10)
        .open()) {
      int written = 0;
      // 1 KB values: about 64 writes fit; the estimate from deltas triggers exact checks near it.
      CompletionException refused = null;
      for (int i = 0; i < 200 && refused == null; i++) {
        int n = i;
        try {
          m.update("doc", d -> d.set("k" + n, "x".repeat(1000))).join();
          written++;
        } catch (CompletionException e) {
          refused = e;
        }
      }
      assertTrue(refused != null, "a write past 64 KiB is refused");
      assertTrue(refused.getCause() instanceof IllegalArgumentException, refused.toString());
      String message = refused.getCause().getMessage();
      assertTrue(message.contains("over this peer's limit of 65,536 bytes"), message);
      assertTrue(message.contains("the write was not applied"), message);
      Document doc = m.get("doc").orElseThrow();
      assertEquals(written, doc.asMap().size(), "the refused write left nothing");
      int size = CrdtCodec.encode(doc).length;
      assertTrue(size <= 64 << 10 && size > 60 << 10, "filled up to the limit: " + size);
      // Writes that shrink it or touch other documents still go through.
      m.update("doc", d -> d.remove("k0")).join();
      m.update("other", d -> d.set("x", 1)).join();
      assertEquals(1, m.get("other").orElseThrow().asMap().size());
    }
  }

  @Test
  void builder_limitOutOfRange_isRefused() {
    assertThrows(IllegalArgumentException.class, () -> Meridian.builder().maxDocumentBytes(10));
    assertThrows(IllegalArgumentException.class,
        () -> Meridian.builder().maxDocumentBytes(1L << 40));
  }
}
