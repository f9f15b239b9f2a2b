package dev.meridian.crdt.store;

import dev.meridian.crdt.CrdtType;
import dev.meridian.crdt.ReplicaId;

/**
 * One run of a {@link DotSeq}: the elements {@code (replica, start .. start + len - 1)}, minted
 * consecutively by one replica and inserted one after the other, so element {@code k > 0} has the
 * element {@code k - 1} as its left origin and all share one right origin. The first element's left
 * origin is {@code (leftReplica, leftCounter)}; a null replica means the start of the sequence
 * (left) or its end (right). Package-private and mutable; owned by one {@link DotSeq}.
 */
final class SeqRun {
  final ReplicaId replica;
  long start;
  int len;
  ReplicaId leftReplica;
  long leftCounter;
  final ReplicaId rightReplica;
  final long rightCounter;
  /** The elements' own dots (their presence) are held: the elements were not removed. */
  boolean live;
  /** Text: the characters, {@code chars[0 .. len)}, while live; null otherwise. */
  char[] chars;
  /** List: the element's type (a list run holds one element). */
  CrdtType type;
  /** List: the element's value store, never null. */
  DotStore value;
  /** Counted by the visible size: text while live; a list element while live or its value is. */
  boolean visible;
  /** The B-tree leaf holding this run, or null while it waits for an origin (buffered). */
  SeqTree.Leaf leaf;
  /** Scratch of SeqLayout: the run's index in sequence order. */
  int order;
  /** Scratch state of DotSeq#adopt: 0 unknown, 1 reachable, 2 not, 3 being decided. */
  byte reach;
  /** While waiting: the run's slot in DotSeq's waiting array. */
  int slot;
  /** Scratch mark of integration scans (see DotSeq#integrate). */
  int mark;
  /** Scratch mark of joins: the join that visited this run (see DotSeq#join). */
  int seen;

  SeqRun(ReplicaId replica, long start, int len, ReplicaId leftReplica, long leftCounter,
      ReplicaId rightReplica, long rightCounter) {
    this.replica = replica;
    this.start = start;
    this.len = len;
    this.leftReplica = leftReplica;
    this.leftCounter = leftCounter;
    this.rightReplica = rightReplica;
    this.rightCounter = rightCounter;
  }

  long end() {
    return start + len - 1;
  }

  /** The number of visible elements. */
  int vis() {
    return visible ? len : 0;
  }

  boolean contains(ReplicaId r, long counter) {
    return replica.equals(r) && counter >= start && counter < start + len;
  }

  /** True if the left origin of element {@code offset} is {@code (r, c)} (null r: the start). */
  boolean leftOriginIs(int offset, ReplicaId r, long c) {
    if (offset > 0) {
      return replica.equals(r) && c == start + offset - 1;
    }
    return leftReplica == null ? r == null : leftReplica.equals(r) && leftCounter == c;
  }

  boolean rightOriginIs(ReplicaId r, long c) {
    return rightReplica == null ? r == null : rightReplica.equals(r) && rightCounter == c;
  }

  boolean sameRight(SeqRun o) {
    return o.rightOriginIs(rightReplica, rightCounter);
  }

  /** True if {@code next} continues this run: its first element is this run's last one's successor. */
  boolean chainsTo(SeqRun next) {
    return next.replica.equals(replica) && next.start == start + len
        && next.leftOriginIs(0, replica, start + len - 1) && sameRight(next);
  }

  /** A copy of elements {@code [from, from + n)} with this run's liveness and content. */
  SeqRun slice(int from, int n) {
    SeqRun r = from == 0
        ? new SeqRun(replica, start, n, leftReplica, leftCounter, rightReplica, rightCounter)
        : new SeqRun(replica, start + from, n, replica, start + from - 1, rightReplica, rightCounter);
    r.live = live;
    r.visible = visible;
    r.seen = seen;
    if (chars != null) {
      r.chars = java.util.Arrays.copyOfRange(chars, from, from + n);
    }
    r.type = type;
    if (value != null) {
      r.value = value.copy();
    }
    return r;
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    sb.append(replica).append(':').append(start);
    if (len > 1) {
      sb.append("..").append(start + len - 1);
    }
    sb.append(" after ").append(leftReplica == null ? "^" : leftReplica + ":" + leftCounter);
    sb.append(" before ").append(rightReplica == null ? "$" : rightReplica + ":" + rightCounter);
    if (chars != null) {
      sb.append(" \"").append(chars, 0, len).append('"');
    }
    if (type != null) {
      sb.append(' ').append(type.label()).append('=').append(value);
    }
    if (!live) {
      sb.append(" (removed)");
    }
    if (leaf == null) {
      sb.append(" (waiting)");
    }
    return sb.toString();
  }
}
