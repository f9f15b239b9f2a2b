package dev.meridian.persistence;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import dev.meridian.crdt.doc.Document;

/**
 * The documents kept decoded in memory, bounded by an estimate of their encoded bytes.
 *
 * <p>Documents grow in place as writes join into them, so an entry's weight is kept up to date:
 * each write adds its delta's encoded size, and the entry is weighed again (re-inserted) once it
 * grew by a quarter since it was last weighed. The bound is then off by at most a quarter of each
 * entry plus the entries' fixed overhead; an encoded size is a fair proxy for decoded size.
 *
 * <p>Thread-safe; callers hold the document's stripe lock for any one key.
 */
final class DocCache {
  /** A cached document and its weight estimate (bytes). */
  private static final class Entry {
    final Document doc;
    long bytes;
    long weighedBytes;

    Entry(Document doc, long bytes) {
      this.doc = doc;
      this.bytes = bytes;
      this.weighedBytes = bytes;
    }
  }

  private static final int OVERHEAD = 64;
  private final Cache<String, Entry> cache;

  DocCache(long maxBytes) {
    this.cache = CacheBuilder.newBuilder().maximumWeight(maxBytes)
        .weigher((String k, Entry e) -> (int) Math.min(Integer.MAX_VALUE,
            OVERHEAD + 2L * k.length() + e.weighedBytes))
        .concurrencyLevel(4).build();
  }

  /** The cached document, or null. */
  Document get(String key) {
    Entry e = cache.getIfPresent(key);
    return e == null ? null : e.doc;
  }

  /** Caches {@code doc}, whose encoded size is about {@code bytes}. */
  void put(String key, Document doc, long bytes) {
    cache.put(key, new Entry(doc, bytes));
  }

  /** A write added about {@code bytes} to the cached {@code doc}: re-weigh it when due. */
  @SuppressWarnings("ReferenceEquality") // the same live document object, not an equal one
  void grew(String key, Document doc, long bytes) {
    Entry e = cache.getIfPresent(key);
    if (e == null || e.doc != doc) {
      return;
    }
    e.bytes += bytes;
    if (e.bytes > e.weighedBytes + e.weighedBytes / 4) {
      e.weighedBytes = e.bytes;
      cache.put(key, e);
    }
  }

  void invalidate(String key) {
    cache.invalidate(key);
  }

  void invalidateAll() {
    cache.invalidateAll();
  }

  /** The weight the cache holds, in estimated bytes (for tests and metrics). */
  long weighedBytes() {
    long total = 0;
    for (var e : cache.asMap().entrySet()) {
      total += OVERHEAD + 2L * e.getKey().length() + e.getValue().weighedBytes;
    }
    return total;
  }
}
