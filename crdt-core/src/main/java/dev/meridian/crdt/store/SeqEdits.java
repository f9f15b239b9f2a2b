package dev.meridian.crdt.store;

import static dev.meridian.crdt.Preconditions.requireArgument;

import dev.meridian.crdt.CrdtType;
import dev.meridian.crdt.ReplicaId;
import dev.meridian.crdt.clock.CausalContext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Local edits of a {@link DotSeq}: text inserted and deleted in place at the cached cursor, and the
 * delta stores of list and text edits made without changing the store (for documents, whose
 * deltas are joined). Package-private; {@link DotSeq}'s public methods delegate here.
 */
final class SeqEdits {
  private SeqEdits() {}

  /**
   * A new record for elements inserted at visible position {@code at}: left origin the element
   * before that position, right origin the element right after it (removed or not).
   */
  private static SeqRun recordAt(DotSeq seq, long at, ReplicaId replica, long first, int len) {
    SeqRun left = null;
    int off = -1;
    if (at > 0) {
      left = seq.locate(at - 1);
      off = (int) seq.locOffset;
    }
    SeqRun right;
    long rc;
    if (left == null) {
      right = seq.tree == null ? null : seq.tree.firstRun();
      rc = right == null ? 0 : right.start;
    } else if (off < left.len - 1) {
      right = left;
      rc = left.start + off + 1;
    } else {
      right = seq.tree.next(left, seq.cursorSlot);
      rc = right == null ? 0 : right.start;
    }
    return new SeqRun(replica, first, len, left == null ? null : left.replica,
        left == null ? 0 : left.start + off, right == null ? null : right.replica, rc);
  }

  /**
   * Inserts {@code chars} at visible position {@code at} in place, as elements {@code (replica,
   * first ..)}, and returns the delta store (the new record). Text only.
   *
   * @throws IndexOutOfBoundsException unless {@code 0 <= at <= size()}
   */
  static DotSeq insertText(DotSeq seq, long at, ReplicaId replica, long first, CharSequence chars) {
    requireArgument(seq.text, "not a seq.text");
    DotSeq.checkPosition(at, seq.size());
    int n = chars.length();
    requireArgument(n > 0, "nothing to insert");
    SeqRun rec = recordAt(seq, at, replica, first, n);
    char[] content = toChars(chars);
    SeqRun left = at == 0 ? null : seq.cursor;
    int off = at == 0 ? -1 : (int) (at - 1 - seq.cursorStart);
    if (left != null && off == left.len - 1 && left.live && left.replica.equals(replica)
        && left.start + left.len == first && left.rightOriginIs(rec.rightReplica, rec.rightCounter)) {
      DotSeq.appendChars(left, content, n);
      left.len += n;
      seq.tree.adjust(left, n, n);
    } else {
      if (left != null && off < left.len - 1) {
        seq.split(left, off + 1);
      }
      SeqRun mine = new SeqRun(replica, first, n, rec.leftReplica, rec.leftCounter,
          rec.rightReplica, rec.rightCounter);
      mine.live = true;
      mine.visible = true;
      mine.chars = Arrays.copyOf(content, n);
      if (seq.tree == null) {
        seq.tree = new SeqTree();
      }
      seq.tree.insertAfter(left, mine);
      seq.index.put(mine);
      seq.cursor = mine;
      seq.cursorSlot = SeqTree.indexIn(mine.leaf, mine);
      seq.cursorStart = at;
    }
    rec.live = true;
    rec.visible = true;
    rec.chars = content;
    return single(seq, rec);
  }

  /**
   * A delta holding one fresh record: integrated if it has no origins, else waiting (its origins
   * are other elements, absent from the delta) — what addRecord would decide, without lookups.
   */
  private static DotSeq single(DotSeq seq, SeqRun rec) {
    DotSeq delta = new DotSeq(seq.text);
    delta.index.put(rec);
    if (rec.leftReplica == null && rec.rightReplica == null) {
      delta.tree = new SeqTree();
      delta.tree.append(rec);
    } else {
      delta.addWaiting(rec);
    }
    return delta;
  }

  /** The delta store of inserting {@code chars} at {@code at}, without changing this store. */
  static DotSeq insertTextDelta(DotSeq seq, long at, ReplicaId replica, long first, CharSequence chars) {
    requireArgument(seq.text, "not a seq.text");
    DotSeq.checkPosition(at, seq.size());
    requireArgument(chars.length() > 0, "nothing to insert");
    SeqRun rec = recordAt(seq, at, replica, first, chars.length());
    rec.live = true;
    rec.visible = true;
    rec.chars = toChars(chars);
    return single(seq, rec);
  }

  /**
   * The delta store of inserting one list element {@code (replica, id)} of type {@code type} with
   * value store {@code value} (which the delta takes) at visible position {@code at}, without
   * changing this store.
   */
  static DotSeq insertDelta(DotSeq seq, long at, ReplicaId replica, long id, CrdtType type, DotStore value) {
    requireArgument(!seq.text, "not a list");
    DotSeq.checkPosition(at, seq.size());
    SeqRun rec = recordAt(seq, at, replica, id, 1);
    rec.live = true;
    rec.type = type;
    rec.value = value;
    rec.visible = true;
    return single(seq, rec);
  }

  /**
   * The delta store of changing the value of the visible list element at {@code index} by {@code
   * valueDelta} (which the delta takes): the element's record, without its presence, carrying the
   * value's delta.
   */
  static DotSeq updateDelta(DotSeq seq, long index, DotStore valueDelta) {
    requireArgument(!seq.text, "not a list");
    DotSeq.checkIndex(index, seq.size());
    SeqRun r = seq.locate(index);
    SeqRun rec = new SeqRun(r.replica, r.start, 1, r.leftReplica, r.leftCounter, r.rightReplica,
        r.rightCounter);
    rec.type = r.type;
    rec.value = valueDelta;
    rec.visible = valueDelta.isVisible();
    return single(seq, rec);
  }

  /**
   * The delta store of removing the visible elements {@code [at, at + count)}, without changing
   * this store: their records without presence (and list values as skeletons). Adds every dot
   * they hold to {@code deltaContext}.
   */
  static DotSeq removeDelta(DotSeq seq, long at, long count, CausalContext deltaContext) {
    requireArgument(count >= 0 && at >= 0 && at + count <= seq.size(),
        "cannot remove %s elements at %s of %s", count, at, seq.size());
    DotSeq delta = new DotSeq(seq.text);
    forVisible(seq, at, count, (r, from, n) -> {
      SeqRun t = r.slice(from, n);
      t.live = false;
      t.chars = null;
      if (r.live) {
        deltaContext.addRange(r.replica, r.start + from, r.start + from + n - 1);
      }
      if (!seq.text) {
        r.value.collectDots(deltaContext);
        t.value = r.value.skeleton();
      }
      t.visible = false;
      t.seen = 0;
      delta.merger().addRecord(t);
    });
    return delta;
  }

  /**
   * Removes the visible characters {@code [at, at + count)} in place and returns the delta store
   * (their records, removed); adds their ids to {@code deltaContext}. Text only.
   */
  static DotSeq delete(DotSeq seq, long at, long count, CausalContext deltaContext) {
    requireArgument(seq.text, "not a seq.text");
    if (count < 0 || at < 0 || at + count > seq.size()) {
      requireArgument(false, "cannot delete %s characters at %s of %s", count, at, seq.size());
    }
    DotSeq delta = new DotSeq(true);
    if (count == 0) {
      return delta;
    }
    SeqRun r = seq.locate(at);
    int off = (int) seq.locOffset;
    SeqRun keep = off > 0 ? r : null;
    long keepStart = at - off;
    long remaining = count;
    List<SeqRun> killed = new ArrayList<>(2);
    while (true) {
      int take = (int) Math.min(remaining, r.len - off);
      SeqRun part = off > 0 ? seq.split(r, off) : r;
      if (take < part.len) {
        seq.split(part, take);
      }
      SeqRun tomb = new SeqRun(part.replica, part.start, part.len, part.leftReplica,
          part.leftCounter, part.rightReplica, part.rightCounter);
      delta.merger().addRecord(tomb);
      deltaContext.addRange(part.replica, part.start, part.end());
      seq.kill(part);
      killed.add(part);
      remaining -= take;
      if (remaining == 0) {
        break;
      }
      r = seq.tree.next(part);
      while (!r.visible) {
        r = seq.tree.next(r);
      }
      off = 0;
    }
    for (SeqRun part : killed) {
      if (part.leaf != null) {
        coalesceRemoved(seq, part, seq.tree.next(part));
      }
    }
    if (keep != null) {
      seq.cursor = keep;
      seq.cursorStart = keepStart;
    } else {
      seq.cursor = null;
    }
    return delta;
  }

  /** Merges a just-removed run with removed neighbours it chains with (keeps runs few). */
  private static void coalesceRemoved(DotSeq seq, SeqRun part, SeqRun next) {
    if (next != null && !next.live && part.chainsTo(next)) {
      seq.index.remove(next);
      seq.tree.remove(next);
      part.len += next.len;
      seq.tree.adjust(part, 0, next.len);
    }
    SeqRun prev = seq.tree.prev(part);
    if (prev != null && !prev.live && prev.chainsTo(part)) {
      seq.index.remove(part);
      seq.tree.remove(part);
      prev.len += part.len;
      seq.tree.adjust(prev, 0, part.len);
    }
  }

  /** Receives pieces of visible runs: elements {@code [from, from + n)} of run {@code r}. */
  private interface PieceVisitor {
    void piece(SeqRun r, int from, int n);
  }

  private static void forVisible(DotSeq seq, long at, long count, PieceVisitor visitor) {
    if (count == 0) {
      return;
    }
    SeqRun r = seq.locate(at);
    int off = (int) seq.locOffset;
    long remaining = count;
    while (true) {
      int take = (int) Math.min(remaining, r.len - off);
      visitor.piece(r, off, take);
      remaining -= take;
      if (remaining == 0) {
        return;
      }
      do {
        r = seq.tree.next(r);
      } while (!r.visible);
      off = 0;
    }
  }

  private static char[] toChars(CharSequence s) {
    char[] c = new char[s.length()];
    if (s instanceof String string) {
      string.getChars(0, c.length, c, 0);
    } else {
      for (int i = 0; i < c.length; i++) {
        c[i] = s.charAt(i);
      }
    }
    return c;
  }

}
