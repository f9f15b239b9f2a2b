package dev.meridian.persistence;

import dev.meridian.crdt.DocumentKeys;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-key order and visibility: striped locks that order the writes and reads of one document,
 * and the journal position each document's last write must reach before it may be read
 * (MapDbDocStore, design note [3]). Keys follow crdt-core's {@link DocumentKeys}.
 */
final class KeyLocks {
  private static final int STRIPES = 256;

  private final Object[] stripes = new Object[STRIPES];
  private final ConcurrentHashMap<String, Long> pending = new ConcurrentHashMap<>();
  private final Journal journal;

  KeyLocks(Journal journal) {
    this.journal = journal;
    for (int i = 0; i < STRIPES; i++) {
      stripes[i] = new Object();
    }
  }

  /** The lock of {@code key}'s stripe. */
  Object stripe(String key) {
    return stripes[((key.hashCode() * 0x9E3779B9) >>> 24) & (STRIPES - 1)];
  }

  /** A record of {@code key} ending at {@code end} was journalled; the caller holds its stripe. */
  void written(String key, long end) {
    pending.put(key, end);
  }

  /** That record is durable (called by the notifier). */
  void durable(String key, long end) {
    pending.remove(key, end);
  }

  /**
   * Waits until {@code key}'s last write is durable; the caller holds its stripe, so no newer
   * write can start meanwhile.
   *
   * @throws StoreException if the journal fails first
   */
  void awaitDurable(String key) throws StoreException {
    Long end = pending.get(key);
    if (end != null) {
      journal.awaitDurable(end);
      pending.remove(key, end);
    }
  }

  /**
   * Checks a document key by crdt-core's one rule ({@link DocumentKeys}).
   *
   * @throws IllegalArgumentException naming what is wrong
   */
  static void check(String key) {
    DocumentKeys.requireValid(key);
  }
}
