package dev.meridian.transport.sync;

import dev.meridian.crdt.ReplicaId;
import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.doc.KeyedDelta;
import java.util.List;
import java.util.Locale;

/**
 * Checks of decoded remote deltas against what this replica knows, before anything is joined:
 * the checks that are sound, i.e. that no correct peer can fail.
 *
 * <ul>
 *   <li><b>Our own dots.</b> No delta may name a dot of this replica above the highest counter it
 *       has issued ({@code ReplicaStore.lastIssued}): only this replica mints them, so such a dot
 *       is forged. Joining it would make this replica's context claim writes it never made (and,
 *       as its counter resumes above its context, push its counter towards the forged value).
 *   <li><b>Plausible counters.</b> No dot of any replica may exceed {@link #MAX_COUNTER} (2^48): a
 *       replica minting a million dots a second would need 8.9 years to get there, and one that
 *       restarts, reserving 2^20 counters each time, 268 million restarts. A forged context that
 *       claims a huge range of another replica's counters (say [1, 2^62) with an empty store)
 *       would otherwise remove that replica's future writes to the document wherever it spreads.
 * </ul>
 *
 * <p>Both look at the delta's whole context, removed (pending) dots included. What is not
 * checked, because no sound local test exists: a forged claim on another replica's counters below
 * the bound; that needs signed dots.
 */
final class DeltaChecks {
  /** The largest dot counter accepted from a peer. */
  static final long MAX_COUNTER = 1L << 48;

  private DeltaChecks() {}

  /**
   * Checks every delta of a batch.
   *
   * @param self this replica
   * @param lastIssued the highest counter this replica may have issued
   * @throws BadFrameException naming the first delta that fails, counted as "own-dots" or
   *     "implausible-counter"
   */
  static void check(List<KeyedDelta> deltas, ReplicaId self, long lastIssued)
      throws BadFrameException {
    for (int i = 0; i < deltas.size(); i++) {
      KeyedDelta d = deltas.get(i);
      CausalContext seen = d.delta().map().liveContext();
      long own = seen.max(self);
      if (own > lastIssued) {
        throw new BadFrameException(Refusal.Code.INVALID_ARGUMENT, String.format(Locale.ROOT,
            "delta %d (key '%s') claims dot %d of this replica (%s), which has issued only up to "
                + "%d", i, Frames.abbreviate(d.key()), own, self, lastIssued), "own-dots");
      }
      for (ReplicaId r : seen.replicas()) {
        long max = seen.max(r);
        if (max > MAX_COUNTER) {
          throw new BadFrameException(Refusal.Code.INVALID_ARGUMENT, String.format(Locale.ROOT,
              "delta %d (key '%s') claims dot %d of replica %s, above the plausible maximum "
                  + "2^48", i, Frames.abbreviate(d.key()), max, r), "implausible-counter");
        }
      }
    }
  }
}
