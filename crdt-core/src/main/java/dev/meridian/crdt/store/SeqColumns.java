package dev.meridian.crdt.store;

import dev.meridian.crdt.CrdtType;
import dev.meridian.crdt.ReplicaId;
import java.util.List;

/**
 * The records of a {@link DotSeq} laid out for a codec ({@link DotSeq#columns()}, {@link
 * DotSeq#fromColumns}), independent of any wire format.
 *
 * <p>A unit is a run of elements {@code (replica, start .. start + length - 1)} inserted one after
 * the other: each element after the first has its predecessor as left origin, and all share one
 * right origin. Integrated units come in encode order (replica id, then counter) with the {@code
 * position} at which each was inserted among the elements of the units before it (removed ones
 * counted): inserting them in that order rebuilds the sequence. A unit's first element's left
 * origin is, unless {@code leftExplicit}, the element before that position when it is inserted;
 * its right origin, unless {@code rightExplicit}, the element after it. In a document written by
 * one replica every origin is derived; concurrent edits make some explicit.
 *
 * @param text true for text
 * @param units the integrated units, in encode order
 * @param removed which integrated elements are removed: alternating run lengths over the elements
 *     in unit order, starting with a (possibly empty) run of present ones
 * @param chars text: the present integrated characters, in sequence order
 * @param waiting records waiting for an origin, by id; their origins are explicit and {@code
 *     position} is -1
 * @param waitingChars text: the present waiting characters, in that order
 * @param types list: each element's type, integrated ones in unit order, then waiting ones
 * @param values list: each element's value store, in the same order (never null)
 */
@SuppressWarnings("ArrayRecordComponent") // a codec's transfer columns, built once and read once
public record SeqColumns(
    boolean text,
    List<Unit> units,
    long[] removed,
    String chars,
    List<Unit> waiting,
    String waitingChars,
    List<CrdtType> types,
    List<DotStore> values) {

  /**
   * One unit of records.
   *
   * @param replica the replica that inserted the elements
   * @param start the first element's counter
   * @param length the number of elements
   * @param position where the unit was inserted (integrated units), or -1 (waiting ones)
   * @param leftExplicit the first element's left origin is given (not derived)
   * @param leftReplica the left origin's replica, null for the start of the sequence
   * @param leftCounter the left origin's counter
   * @param rightExplicit the right origin is given (not derived)
   * @param rightReplica the right origin's replica, null for the end of the sequence
   * @param rightCounter the right origin's counter
   * @param present waiting units: their elements are not removed
   */
  public record Unit(
      ReplicaId replica,
      long start,
      long length,
      long position,
      boolean leftExplicit,
      ReplicaId leftReplica,
      long leftCounter,
      boolean rightExplicit,
      ReplicaId rightReplica,
      long rightCounter,
      boolean present) {}
}
