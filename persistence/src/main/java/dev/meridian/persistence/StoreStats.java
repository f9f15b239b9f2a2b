package dev.meridian.persistence;

/**
 * Counters of a {@link MapDbDocStore} since it was opened, and the size of its journal now.
 *
 * @param journalRecords records appended to the journal (writes and counter reservations)
 * @param journalFsyncs fsyncs that made them durable; {@code journalRecords / journalFsyncs} is
 *     the mean group-commit batch
 * @param checkpoints MapDB checkpoints taken
 * @param journalBytes bytes of journal files on disk now (kept back to the older MapDB file)
 * @param backlogBytes the journal records not yet checkpointed into the current MapDB file, in
 *     approximate bytes of memory (readers see them from memory; writers wait past {@code
 *     maxBacklogBytes})
 * @param syncReads documents the sync query has read since open (returned or filtered out): the
 *     cost of catch-up, against the documents it returned
 */
public record StoreStats(long journalRecords, long journalFsyncs, long checkpoints,
    long journalBytes, long backlogBytes, long syncReads) {
  /** Journal records per fsync (the group-commit batch size), or 0 before the first fsync. */
  public double recordsPerFsync() {
    return journalFsyncs == 0 ? 0 : (double) journalRecords / journalFsyncs;
  }
}
