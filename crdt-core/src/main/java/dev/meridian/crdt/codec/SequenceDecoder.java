package dev.meridian.crdt.codec;

import static dev.meridian.crdt.codec.DecodeChecks.noUnknownFields;
import static dev.meridian.crdt.codec.DecodeChecks.require;
import static dev.meridian.crdt.codec.DecodeChecks.unzigzag;

import dev.meridian.crdt.CrdtType;
import dev.meridian.crdt.ReplicaId;
import dev.meridian.crdt.codec.CodecException.Reason;
import dev.meridian.crdt.codec.DecodeChecks.LongCursor;
import dev.meridian.crdt.codec.proto.ElementValue;
import dev.meridian.crdt.codec.proto.Leaf;
import dev.meridian.crdt.codec.proto.Sequence;
import dev.meridian.crdt.map.OrMap;
import dev.meridian.crdt.store.DotSeq;
import dev.meridian.crdt.store.DotStore;
import dev.meridian.crdt.store.SeqColumns;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Decodes one {@link Sequence} message, a list's or a text's records as crdt.proto lays them out,
 * into the {@link SeqColumns} a {@link DotSeq} is rebuilt from, validating every column: the
 * integrated units (ids, positions, origins), the removed runs, the waiting records, and the
 * characters (text) or element types and values (list).
 */
final class SequenceDecoder {
  /*
   * One instance per Sequence message. The state decoder supplies the replica table, the
   * contexts the origins are relative to, the decoding of element values (leaves), and the check
   * that no dot is held twice across the whole state, to which the present elements' dots are
   * reported here.
   */

  private final StateDecoder state;
  private final Sequence q;
  private final boolean text;
  private final LongCursor positions;
  private final LongCursor origins;
  private final List<SeqColumns.Unit> units = new ArrayList<>();
  /** Where the unit decoded last ends: positions are written relative to it. */
  private long prevPosEnd;

  private SequenceDecoder(StateDecoder state, Sequence q, boolean text) {
    this.state = state;
    this.q = q;
    this.text = text;
    this.positions = new LongCursor(q.getPositionsList());
    this.origins = new LongCursor(q.getOriginsList());
  }

  /** The sequence (a text if {@code text}, else a list) that {@code q} encodes. */
  static DotSeq decode(StateDecoder state, Sequence q, boolean text) throws CodecException {
    return new SequenceDecoder(state, q, text).decode();
  }

  private DotSeq decode() throws CodecException {
    require(noUnknownFields(q.getUnknownFields()), "unknown fields in sequence");
    // Units come in encode order, by replica index; ids sorted within each replica.
    state.readRanges(q.getIdsList(), "sequence ids", true, Integer.MAX_VALUE, this::unit);
    require(!positions.hasNext(), "more positions than units");
    require(!origins.hasNext(), "origins left over");
    long[] removed = removed();
    List<SeqColumns.Unit> waiting = waiting();
    String chars = "";
    String waitingChars = "";
    List<CrdtType> types = new ArrayList<>();
    List<DotStore> values = new ArrayList<>();
    if (text) {
      require(q.getTypesCount() == 0 && q.getValuesCount() == 0, "a text has no element values");
      byte[] raw = q.getChars().toByteArray();
      if (q.getInflatedSize() != 0) {
        raw = inflate(raw, q.getInflatedSize());
      }
      chars = Cesu8.decode(raw, 0, raw.length);
      byte[] wraw = q.getWaitingChars().toByteArray();
      waitingChars = Cesu8.decode(wraw, 0, wraw.length);
    } else {
      require(q.getChars().isEmpty() && q.getWaitingChars().isEmpty() && q.getInflatedSize() == 0,
          "a list has no characters");
      elements(types, values);
    }
    checkPresentElements(removed, waiting);
    try {
      return DotSeq.fromColumns(
          new SeqColumns(text, units, removed, chars, waiting, waitingChars, types, values));
    } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
      throw new CodecException(Reason.INVALID, "bad sequence: " + e.getMessage(), e);
    }
  }

  /** One integrated unit: ids {@code first .. first + extra} of {@code r}, with its position. */
  private void unit(ReplicaId r, long first, long extra) throws CodecException {
    long v = positions.next("fewer positions than units");
    long delta = unzigzag(v >>> 2);
    long pos = prevPosEnd + delta;
    require(delta > -StateDecoder.MAX_COUNTER && delta < StateDecoder.MAX_COUNTER && pos >= 0,
        "bad position %d", pos);
    boolean leftExplicit = (v & 1) != 0;
    boolean rightExplicit = (v & 2) != 0;
    Origin left = leftExplicit ? origin(origins) : Origin.EDGE;
    Origin right = rightExplicit ? origin(origins) : Origin.EDGE;
    units.add(new SeqColumns.Unit(r, first, extra + 1, pos, leftExplicit, left.replica(),
        left.counter(), rightExplicit, right.replica(), right.counter(), true));
    prevPosEnd = pos + extra + 1;
  }

  private long[] removed() throws CodecException {
    long[] removed = new long[q.getRemovedCount()];
    for (int k = 0; k < removed.length; k++) {
      removed[k] = q.getRemoved(k);
      require(removed[k] >= 0 && removed[k] < StateDecoder.MAX_COUNTER, "bad removed run %d",
          removed[k]);
    }
    return removed;
  }

  /** The waiting records: replica, ids, both origins (always explicit) and presence each. */
  private List<SeqColumns.Unit> waiting() throws CodecException {
    List<SeqColumns.Unit> waiting = new ArrayList<>();
    LongCursor w = new LongCursor(q.getWaitingList());
    while (w.hasNext()) {
      require(w.remaining() >= 3, "waiting record truncated");
      long idx = w.next();
      require(idx >= 0 && idx < state.replicaCount(), "waiting replica index %d out of range", idx);
      ReplicaId r = state.replica((int) idx);
      long start = state.context.max(r) - unzigzag(w.next());
      long extra = w.next();
      long max = StateDecoder.MAX_COUNTER;
      require(start >= 1 && start < max && extra >= 0 && extra < Integer.MAX_VALUE
          && start < max - extra, "bad waiting record ids");
      Origin left = origin(w);
      Origin right = origin(w);
      long present = w.next("waiting record truncated");
      require(present == 0 || present == 1, "bad waiting presence %d", present);
      waiting.add(new SeqColumns.Unit(r, start, extra + 1, -1, true, left.replica(),
          left.counter(), true, right.replica(), right.counter(), present == 1));
    }
    return waiting;
  }

  /**
   * A list's element types and values: a value for each element of a map, set or other non-empty
   * type, each after a skip over the elements whose value is the empty store of their type.
   */
  private void elements(List<CrdtType> types, List<DotStore> values) throws CodecException {
    int element = 0;
    for (ElementValue ev : q.getValuesList()) {
      require(noUnknownFields(ev.getUnknownFields()), "unknown fields in element value");
      require(ev.getSkip() >= 0 && ev.getSkip() <= q.getTypesCount() - element,
          "element value past the end");
      element += (int) ev.getSkip();
      require(element < q.getTypesCount(), "element value past the end");
      while (values.size() < element) {
        values.add(null);
      }
      CrdtType t = elementType(q.getTypes(element));
      require(ev.hasValue(), "element value without a leaf");
      Leaf leaf = ev.getValue();
      require(leaf.getPath().isEmpty(), "an element value has no path");
      require(state.leafType(leaf) == t, "element %d is a %s, its value is not", element, t.label());
      values.add(state.store(leaf, t));
      element++;
    }
    for (int k = 0; k < q.getTypesCount(); k++) {
      CrdtType t = elementType(q.getTypes(k));
      types.add(t);
      if (k >= values.size()) {
        values.add(null);
      }
      if (values.get(k) == null) {
        values.set(k, OrMap.emptyStore(t));
      }
    }
  }

  private static CrdtType elementType(int tag) throws CodecException {
    CrdtType t = CrdtType.ofTag(tag);
    require(t != null, "unknown element type tag %d", tag);
    return t;
  }

  /** An origin: an element's id, or {@link #EDGE} for the start or end of the sequence. */
  private record Origin(ReplicaId replica, long counter) {
    /** The start or end of the sequence, and the origin of a unit whose origin is derived. */
    static final Origin EDGE = new Origin(null, 0);
  }

  /** An origin as crdt.proto writes it: 0, or a replica index + 1 and a counter. */
  private Origin origin(LongCursor in) throws CodecException {
    long idx = in.next("origin truncated");
    if (idx == 0) {
      return Origin.EDGE;
    }
    // idx is a uint64 on the wire: a negative long is out of range too, not below the bound.
    require(idx > 0 && idx <= state.replicaCount() && in.hasNext(), "bad origin replica index %s",
        Long.toUnsignedString(idx));
    ReplicaId r = state.replica((int) idx - 1);
    long counter = state.context.max(r) - unzigzag(in.next());
    require(counter >= 1 && counter < StateDecoder.MAX_COUNTER, "origin counter %d out of range",
        counter);
    return new Origin(r, counter);
  }

  /**
   * Present elements hold their own dot: it must be in the context, not pending, and (checked by
   * the state decoder at the end) held nowhere else.
   */
  private void checkPresentElements(long[] removed, List<SeqColumns.Unit> waiting)
      throws CodecException {
    int ri = 0;
    long left = removed.length == 0 ? 0 : removed[0];
    boolean present = true;
    for (SeqColumns.Unit u : units) {
      long c = u.start();
      long end = u.start() + u.length() - 1;
      while (c <= end) {
        while (left == 0) {
          if (++ri >= removed.length) {
            return; // fewer removed runs than elements: fromColumns reports it
          }
          left = removed[ri];
          present = !present;
        }
        long e = Math.min(end, c + left - 1);
        if (present) {
          state.held.presentRange(u.replica(), c, e);
        }
        left -= e - c + 1;
        c = e + 1;
      }
    }
    for (SeqColumns.Unit u : waiting) {
      if (u.present()) {
        state.held.presentRange(u.replica(), u.start(), u.start() + u.length() - 1);
      }
    }
  }

  /**
   * Inflates {@code deflated}, which must give exactly {@code size} bytes. The declared size is
   * bounded by the encoder's ratio cap, and the buffer grows with the bytes actually inflated
   * (doubling, from at most 64 KiB), never to the declared size up front: a small input that
   * declares a large size but inflates to little costs little memory.
   */
  static byte[] inflate(byte[] deflated, long size) throws CodecException {
    require(size > 0 && size <= (long) StateEncoder.MAX_INFLATION * deflated.length + 64
        && size < Integer.MAX_VALUE, "inflated size %d does not fit its %d bytes", size, deflated.length);
    Inflater inf = new Inflater();
    try {
      inf.setInput(deflated);
      byte[] out = new byte[(int) Math.min(size, Math.max(64 << 10, 2L * deflated.length))];
      int n = 0;
      while (!inf.finished()) {
        if (n == out.length) {
          if (n == size) {
            break; // more output than declared: refused below
          }
          out = Arrays.copyOf(out, (int) Math.min(size, 2L * out.length));
        }
        int k = inf.inflate(out, n, out.length - n);
        if (k == 0 && (inf.needsInput() || inf.needsDictionary())) {
          break;
        }
        n += k;
      }
      require(n == size && inf.finished() && inf.getRemaining() == 0,
          "deflated characters do not inflate to %d bytes", size);
      return out;
    } catch (DataFormatException e) {
      throw new CodecException(Reason.INVALID, "deflated characters are corrupt", e);
    } finally {
      inf.end();
    }
  }
}
