package dev.meridian.transport.store;

/**
 * A store refused a batch of remote deltas before changing anything, because one contradicts
 * what the store holds (a record id that exists here with other content: see crdt-core's {@code
 * RecordConflicts}). Replication refuses the batch and ends the stream with the reason.
 */
public final class DeltaRefusedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Refuses the delta of document {@code key} for {@code reason}. */
  public DeltaRefusedException(String key, String reason) {
    super("delta of document '" + (key.length() <= 64 ? key : key.substring(0, 61) + "...")
        + "' contradicts this replica's state: " + reason);
  }
}
