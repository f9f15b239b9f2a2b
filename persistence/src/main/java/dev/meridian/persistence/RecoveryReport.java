package dev.meridian.persistence;

import java.util.List;

/**
 * What opening a data directory found and did.
 *
 * @param created whether the directory was created (a new replica)
 * @param repairs MapDB files restored from the other file (a crash left them mid-checkpoint, or
 *     they failed their checksum)
 * @param tornBytes bytes of a torn journal tail dropped (never an acknowledged write)
 * @param replayedRecords journal records replayed past the newest clean MapDB file
 * @param notes one line per repair, naming the file and why
 */
public record RecoveryReport(boolean created, int repairs, long tornBytes, long replayedRecords,
    List<String> notes) {
  /** Copies the notes. */
  public RecoveryReport {
    notes = List.copyOf(notes);
  }
}
