package dev.meridian.peer;

import dev.meridian.crdt.codec.CrdtCodec;
import dev.meridian.crdt.doc.Document;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * The write-time limit on a document's size: a local write that would make a document's encoded
 * state larger than {@link #maxBytes()} fails with {@link DocumentTooLargeException} and changes
 * nothing, so no document outgrows what replication carries (its limit is twice this one, so that
 * concurrent writes at two sites, each within the limit, still merge and replicate).
 *
 * <p>Cost: the exact size is an encoding of the whole document, O(document). It is computed on
 * the first write of a key (after the peer opens, or after the key left the table of estimates)
 * and whenever the estimate (the last exact size plus the encoded sizes of the writes since, each
 * plus 32 bytes) passes the limit; other writes cost the encoding of their delta, O(delta). The
 * estimates are kept for the 65,536 keys written most recently.
 */
final class DocumentSizeLimit {
  /*
   * Design notes.
   * [1] Why an estimate from deltas: a write's growth of the encoded document is at most about
   *     its delta's encoding (the delta holds what the write adds, and the document's encoding of
   *     it is no larger). The estimate can only run high (overwrites and removals shrink a
   *     document), so it errs towards an exact check, never past the limit unchecked. The 32
   *     bytes per write cover framing a delta encodes once and a document once per entry.
   * [2] Thread-safety: guard() runs under the store's lock of the document being written; the
   *     table is shared by all keys, so it has its own monitor, never held while encoding.
   */
  /** The default limit: 32 MiB of encoded document (replication carries up to 64 MiB). */
  static final long DEFAULT_BYTES = 32L << 20;
  private static final int TRACKED = 1 << 16;
  private static final int PER_WRITE = 32;

  private final long maxBytes;
  private final Map<String, Long> estimates = new LinkedHashMap<>(1024, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
      return size() > TRACKED;
    }
  };

  DocumentSizeLimit(long maxBytes) {
    if (maxBytes < 1024) {
      throw new IllegalArgumentException("max document size must be at least 1 KiB: " + maxBytes);
    }
    this.maxBytes = maxBytes;
  }

  long maxBytes() {
    return maxBytes;
  }

  /** {@code edit} followed by the check for document {@code key}. */
  Function<Document, Document> guard(String key, Function<Document, Document> edit) {
    return doc -> {
      Document delta = edit.apply(doc);
      check(key, doc, delta);
      return delta;
    };
  }

  /**
   * Checks document {@code key} after a write whose delta is {@code delta}.
   *
   * @throws DocumentTooLargeException if the document is now over the limit
   */
  void check(String key, Document doc, Document delta) {
    Long before;
    synchronized (estimates) {
      before = estimates.get(key);
    }
    long estimate = before == null ? Long.MAX_VALUE
        : before + (delta == null ? 0 : CrdtCodec.encode(delta).length) + PER_WRITE;
    if (estimate > maxBytes) {
      long exact = CrdtCodec.encode(doc).length;
      if (exact > maxBytes) {
        throw new DocumentTooLargeException(key, exact, maxBytes);
      }
      estimate = exact;
    }
    synchronized (estimates) {
      estimates.put(key, estimate);
    }
  }

  /** A write refused because the document would exceed the size limit. */
  static final class DocumentTooLargeException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    DocumentTooLargeException(String key, long bytes, long max) {
      super(String.format(java.util.Locale.ROOT, "document '%s' would take %,d bytes encoded, over "
          + "this peer's limit of %,d bytes; the write was not applied (split the document, or "
          + "remove values first)", key.length() <= 64 ? key : key.substring(0, 61) + "...",
          bytes, max));
    }
  }
}
