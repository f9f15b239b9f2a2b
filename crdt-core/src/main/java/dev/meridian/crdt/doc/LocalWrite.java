package dev.meridian.crdt.doc;

import dev.meridian.crdt.Replica;
import dev.meridian.crdt.ReplicaId;
import dev.meridian.crdt.clock.CausalContext;
import java.util.Objects;
import java.util.function.Function;

/**
 * The local-write rule, the one every store follows: a mutation applied to a replica's live
 * document yields the delta to record and ship, the events it minted, and the dots it left void.
 *
 * <p>The mutation receives the live document bound to a {@linkplain Replica#recording() recording
 * view} of the replica, calls mutators on it and returns their delta (one mutator's result, or
 * several joined). What it minted is known exactly, even while other threads mint from the same
 * counter for other documents:
 *
 * <ul>
 *   <li><b>events</b>: the dots minted that the document has seen: the writes it holds. The
 *       recorded delta carries every one of them, whatever the mutation returned (if it returned
 *       only part of its writes, the delta is the document's own {@code deltaSince} for them).
 *   <li><b>void</b>: dots minted that no document holds (a mutator that minted and then refused).
 *       A store adds them to its context and ships them in a later delta's context, so contexts
 *       keep no permanent gaps; they carry no content, so they remove nothing.
 * </ul>
 *
 * <p>A mutation that throws a {@link RuntimeException} (or returns null) is {@link Failed}: every
 * dot it minted is void, and the live document may hold part of its changes, so the caller must
 * discard it (reload it, or restore a copy) to keep none of them. An {@link Error} propagates; the
 * caller discards the document then too.
 */
public final class LocalWrite {
  private LocalWrite() {}

  /** What a local write came to. */
  public sealed interface Outcome permits Applied, Failed {}

  /**
   * A mutation that ran.
   *
   * @param delta the delta to record: holds every event (empty if there are none)
   * @param events the dots minted that the document holds
   * @param voided the dots minted that no document holds
   */
  public record Applied(Document delta, CausalContext events, CausalContext voided)
      implements Outcome {}

  /**
   * A mutation that threw (or returned null); the live document must be discarded.
   *
   * @param error what it threw
   * @param voided every dot it minted
   */
  public record Failed(RuntimeException error, CausalContext voided) implements Outcome {}

  /**
   * Runs {@code mutation} on {@code live} as {@code replica} and applies the rule above. Leaves
   * {@code live} bound to {@code replica}.
   */
  public static Outcome apply(Document live, Replica replica,
      Function<Document, Document> mutation) {
    Objects.requireNonNull(mutation, "mutation");
    Replica view = replica.recording();
    live.bind(view);
    Document returned;
    try {
      returned = mutation.apply(live);
      if (returned == null) {
        throw new IllegalArgumentException("the mutation returned no delta");
      }
    } catch (RuntimeException e) {
      return new Failed(e, view.mintedHere());
    } finally {
      live.bind(replica);
    }
    CausalContext minted = view.mintedHere();
    if (minted.isEmpty()) {
      return new Applied(Document.empty(), minted, minted);
    }
    CausalContext seen = live.map().liveContext();
    CausalContext events = new CausalContext();
    ReplicaId self = replica.id();
    minted.forEachRange((r, lo, hi) -> {
      if (!seen.containsAny(self, lo, hi)) {
        return;
      }
      for (long c = lo; c <= hi; c++) {
        if (seen.contains(self, c)) {
          events.addRange(self, c, c);
        }
      }
    });
    CausalContext voided = minted.minus(events);
    if (events.isEmpty()) {
      return new Applied(Document.empty(), events, voided);
    }
    // The live document itself is no delta: it holds every write, not only this mutation's.
    @SuppressWarnings("ReferenceEquality") // the mutation returned the live document, not a delta
    boolean returnedLive = returned == live;
    Document delta = !returnedLive && events.isSubsetOf(returned.context()) ? returned
        : live.deltaSince(live.context().minus(events));
    return new Applied(delta, events, voided);
  }
}
