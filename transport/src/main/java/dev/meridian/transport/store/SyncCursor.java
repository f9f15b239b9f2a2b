package dev.meridian.transport.store;

import dev.meridian.crdt.doc.KeyedDelta;

/**
 * A lazy, bounded walk over the answer to a sync query: the caller pulls one document at a time and
 * may stop at any point, so a slow peer never makes the store materialise more than one delta.
 *
 * <p>Weakly consistent: a document written during the walk may or may not be returned; one that
 * held events outside the query's context when the walk began and was not returned yet is returned
 * (at its current state, which is at least as new). Not thread-safe.
 */
public interface SyncCursor extends AutoCloseable {
  /** The next document holding events outside the query's context, or null when there are no more. */
  KeyedDelta next();

  /** Releases what the walk holds; idempotent. */
  @Override
  void close();

  /** A cursor with nothing to return. */
  static SyncCursor empty() {
    return new SyncCursor() {
      @Override
      public KeyedDelta next() {
        return null;
      }

      @Override
      public void close() {}
    };
  }
}
