package dev.meridian.persistence;

/**
 * Counters of a {@link MapDbDocStore} since it was opened.
 *
 * @param journalRecords records appended to the journal (writes and counter reservations)
 * @param journalFsyncs fsyncs that made them durable; {@code journalRecords / journalFsyncs} is
 *     the mean group-commit batch
 * @param checkpoints MapDB checkpoints taken
 */
public record StoreStats(long journalRecords, long journalFsyncs, long checkpoints) {
  /** Journal records per fsync (the group-commit batch size), or 0 before the first fsync. */
  public double recordsPerFsync() {
    return journalFsyncs == 0 ? 0 : (double) journalRecords / journalFsyncs;
  }
}
