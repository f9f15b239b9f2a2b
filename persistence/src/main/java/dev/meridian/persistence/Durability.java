package dev.meridian.persistence;

/** When a write's future completes. */
public enum Durability {
  /** After the journal fsync that holds the write: a crash or power loss after that keeps it. */
  DURABLE,
  /**
   * At once, after the write is in the journal's buffer. The journal is fsynced within the store's
   * commit interval, so a crash loses at most that window of writes; nothing already fsynced is
   * ever lost.
   */
  ASYNC
}
