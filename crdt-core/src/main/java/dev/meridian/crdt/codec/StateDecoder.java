package dev.meridian.crdt.codec;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnknownFieldSet;
import dev.meridian.crdt.CrdtType;
import dev.meridian.crdt.ReplicaId;
import dev.meridian.crdt.Scalars;
import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.clock.Dot;
import dev.meridian.crdt.codec.CodecException.Reason;
import dev.meridian.crdt.codec.proto.ElementValue;
import dev.meridian.crdt.codec.proto.Leaf;
import dev.meridian.crdt.codec.proto.Sequence;
import dev.meridian.crdt.codec.proto.RegisterEntry;
import dev.meridian.crdt.codec.proto.SetElement;
import dev.meridian.crdt.codec.proto.State;
import dev.meridian.crdt.map.OrMap;
import dev.meridian.crdt.map.TypedKey;
import dev.meridian.crdt.store.DotFun;
import dev.meridian.crdt.store.DotMap;
import dev.meridian.crdt.store.DotSeq;
import dev.meridian.crdt.store.DotSet;
import dev.meridian.crdt.store.DotStore;
import dev.meridian.crdt.store.SeqColumns;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;

/**
 * Parses and validates one {@link State}. Builds fresh objects only; nothing outside is touched, so a
 * failed decode changes nothing.
 */
final class StateDecoder {
  /** Deepest nesting of maps accepted. */
  static final int MAX_DEPTH = OrMap.MAX_DEPTH;

  /**
   * Deepest nesting of protobuf messages accepted: lists of maps of lists nest three messages per
   * level (Leaf, Sequence, ElementValue), so this allows some thirty levels of lists.
   */
  static final int MAX_MESSAGE_DEPTH = 100;

  /** Highest dot counter accepted; far beyond any real replica, and safe from overflow. */
  static final long MAX_COUNTER = 1L << 62;

  /**
   * Most entries one register, counter, flag or set element may hold. Real ones hold one per
   * concurrent writer; the bound keeps joins over a forged store (whose entry lookups are linear)
   * from going quadratic.
   */
  static final int MAX_ENTRIES = 4096;

  final State state;
  final CausalContext context = new CausalContext();
  final CausalContext pending = new CausalContext();
  private final ReplicaId[] replicas;
  private final HashSet<Dot> seenDots = new HashSet<>();
  private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
      .onMalformedInput(CodingErrorAction.REPORT)
      .onUnmappableCharacter(CodingErrorAction.REPORT);

  StateDecoder(byte[] bytes) throws CodecException {
    if (bytes == null || bytes.length == 0) {
      throw new CodecException(Reason.UNSUPPORTED_VERSION, "empty input: no format version byte");
    }
    if (bytes[0] != CrdtCodec.FORMAT_VERSION) {
      throw new CodecException(Reason.UNSUPPORTED_VERSION,
          "format version " + (bytes[0] & 0xFF) + " (this code reads " + CrdtCodec.FORMAT_VERSION + ")");
    }
    try {
      CodedInputStream in = CodedInputStream.newInstance(bytes, 1, bytes.length - 1);
      in.setRecursionLimit(MAX_MESSAGE_DEPTH);
      state = State.parseFrom(in);
      in.checkLastTagWas(0);
    } catch (InvalidProtocolBufferException e) {
      throw new CodecException(Reason.MALFORMED, "not a Meridian state: " + e.getMessage(), e);
    } catch (java.io.IOException e) {
      throw new CodecException(Reason.MALFORMED, "not a Meridian state: " + e.getMessage(), e);
    }
    require(noUnknownFields(state.getUnknownFields()), "unknown fields in state");
    replicas = new ReplicaId[state.getReplicasCount()];
    for (int i = 0; i < replicas.length; i++) {
      replicas[i] = ReplicaId.of(state.getReplicas(i));
      require(i == 0 || replicas[i - 1].compareTo(replicas[i]) < 0,
          "replica table not strictly ascending at index %d", i);
    }
    decodeRanges(state.getContextList(), context, "context");
    decodeRanges(state.getPendingList(), pending, "pending");
    require(pending.isSubsetOf(context), "pending dots outside the context");
  }

  /** The state's type; null for a bare context. */
  CrdtType kind() throws CodecException {
    if (state.getKind() == CrdtCodec.CONTEXT_KIND) {
      return null;
    }
    if (state.getKind() == 0) {
      return CrdtType.MAP;
    }
    CrdtType t = CrdtType.ofTag(state.getKind());
    require(t != null && t != CrdtType.MAP, "unknown state kind %d", state.getKind());
    return t;
  }

  private void decodeRanges(List<Long> c, CausalContext into, String what) throws CodecException {
    int i = 0;
    long prevIndex = -1;
    while (i < c.size()) {
      require(i + 1 < c.size(), "%s truncated after replica index", what);
      long idx = c.get(i);
      long n = c.get(i + 1);
      require(idx > prevIndex && idx < replicas.length, "%s replica index %d out of order or range", what, idx);
      require(n >= 1 && n <= (c.size() - i - 2) / 2, "%s range count %d does not fit", what, n);
      i += 2;
      long prevEnd = 0;
      for (long r = 0; r < n; r++) {
        long gap = c.get(i++);
        long extra = c.get(i++);
        require(gap >= 0 && gap < MAX_COUNTER && (r == 0 || gap >= 1), "bad %s gap %d", what, gap);
        long first = prevEnd + gap + 1;
        require(extra >= 0 && extra < MAX_COUNTER && first < MAX_COUNTER - extra,
            "%s range past the largest counter", what);
        into.addRange(replicas[(int) idx], first, first + extra);
        prevEnd = first + extra;
      }
      prevIndex = idx;
    }
  }

  /** Decodes the value leaf of a standalone type. */
  DotStore value(CrdtType type) throws CodecException {
    require(state.getLeavesCount() == 0, "a %s has no map leaves", type.label());
    require(state.hasValue(), "missing value");
    Leaf leaf = state.getValue();
    require(leaf.getPath().isEmpty(), "a standalone value has no path");
    CrdtType t = leafType(leaf);
    require(t == type, "value is a %s, expected a %s", t.label(), type.label());
    DotStore s = store(leaf, t);
    checkElementDots();
    return s;
  }

  /** Decodes the leaves of a map. */
  DotMap<TypedKey> map() throws CodecException {
    require(!state.hasValue(), "a map has no standalone value");
    DotMap<TypedKey> root = mapFrom(state.getLeavesList(), false);
    checkElementDots();
    return root;
  }

  /** A map from its leaves: the state's, or (as a list element's value) a map leaf's. */
  private DotMap<TypedKey> mapFrom(List<Leaf> leaves, boolean element) throws CodecException {
    DotMap<TypedKey> root = new DotMap<>();
    List<TypedKey> previous = null;
    for (Leaf leaf : leaves) {
      List<String> names = names(leaf.getPath());
      CrdtType type = leafType(leaf);
      require(leaf.getMapCount() == 0 || element, "a map's entries are leaves of the state");
      List<TypedKey> keys = new ArrayList<>(names.size());
      for (int i = 0; i < names.size(); i++) {
        keys.add(new TypedKey(names.get(i), i == names.size() - 1 ? type : CrdtType.MAP));
      }
      require(previous == null || compare(previous, keys) < 0, "leaves not in strictly ascending path order at %s", keys);
      previous = keys;
      DotMap<TypedKey> parent = root;
      for (int i = 0; i < keys.size() - 1; i++) {
        DotStore next = parent.get(keys.get(i));
        if (next == null) {
          next = new DotMap<TypedKey>();
          parent.put(keys.get(i), next);
        }
        parent = cast(next);
      }
      TypedKey last = keys.get(keys.size() - 1);
      require(parent.get(last) == null, "duplicate leaf %s", keys);
      require(leaf.getEmpty() == 0 || !state.getUnkeyed(), "empty leaf %s outside a keyed delta", keys);
      parent.put(last, store(leaf, type));
    }
    return root;
  }

  boolean keyed() {
    return !state.getUnkeyed();
  }

  @SuppressWarnings("unchecked")
  private static DotMap<TypedKey> cast(DotStore s) {
    return (DotMap<TypedKey>) s;
  }

  private static int compare(List<TypedKey> a, List<TypedKey> b) {
    for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
      int c = a.get(i).compareTo(b.get(i));
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(a.size(), b.size());
  }

  private List<String> names(ByteString path) throws CodecException {
    require(!path.isEmpty(), "a map leaf needs a path");
    List<String> out = new ArrayList<>();
    CodedInputStream in = path.newCodedInput();
    try {
      while (!in.isAtEnd()) {
        require(out.size() < MAX_DEPTH, "path deeper than %d", MAX_DEPTH);
        int len = in.readRawVarint32();
        require(len >= 0 && len <= path.size(), "path name length %d past the end", len);
        byte[] raw = in.readRawBytes(len);
        // ASCII (the usual name) is valid UTF-8 that decodes byte for byte; skip the decoder.
        out.add(isAscii(raw)
            ? new String(raw, StandardCharsets.US_ASCII)
            : utf8.decode(ByteBuffer.wrap(raw)).toString());
      }
    } catch (CharacterCodingException e) {
      throw new CodecException(Reason.INVALID, "path name is not UTF-8", e);
    } catch (java.io.IOException e) {
      throw new CodecException(Reason.INVALID, "malformed path: " + e.getMessage(), e);
    }
    return out;
  }

  private CrdtType leafType(Leaf leaf) throws CodecException {
    require(noUnknownFields(leaf.getUnknownFields()), "unknown fields in leaf");
    int present = 0;
    CrdtType type = null;
    if (leaf.getRegisterCount() > 0) {
      present++;
      type = CrdtType.REGISTER;
    }
    if (leaf.getCounterCount() > 0) {
      present++;
      type = CrdtType.COUNTER;
    }
    if (leaf.getFlagCount() > 0) {
      present++;
      type = CrdtType.FLAG;
    }
    if (leaf.getSetCount() > 0) {
      present++;
      type = CrdtType.SET;
    }
    if (leaf.getEmpty() != 0) {
      present++;
      type = CrdtType.ofTag(leaf.getEmpty());
      require(type != null, "unknown type tag %d", leaf.getEmpty());
    }
    if (leaf.hasList()) {
      present++;
      type = CrdtType.LIST;
    }
    if (leaf.hasText()) {
      present++;
      type = CrdtType.TEXT;
    }
    if (leaf.getMapCount() > 0) {
      present++;
      type = CrdtType.MAP;
    }
    require(present == 1, "a leaf must hold exactly one store, found %d", present);
    return type;
  }

  private DotStore store(Leaf leaf, CrdtType type) throws CodecException {
    if (leaf.getEmpty() != 0) {
      return OrMap.emptyStore(type);
    }
    switch (type) {
      case REGISTER: {
        require(leaf.getRegisterCount() <= MAX_ENTRIES, "register with more than %d values", MAX_ENTRIES);
        DotFun<dev.meridian.crdt.register.RegisterEntry> f = new DotFun<>();
        Dot prev = null;
        for (RegisterEntry e : leaf.getRegisterList()) {
          require(noUnknownFields(e.getUnknownFields()), "unknown fields in register entry");
          Dot d = dot(e.getReplica(), e.getBack());
          require(prev == null || prev.compareTo(d) < 0, "register entries not sorted");
          prev = d;
          f.putAbsent(d, new dev.meridian.crdt.register.RegisterEntry(
              registerValue(e), e.getTimestamp() + CrdtCodec.TIMESTAMP_EPOCH));
        }
        return f;
      }
      case COUNTER: {
        List<Long> c = leaf.getCounterList();
        require(c.size() % 3 == 0, "counter entries are triples");
        require(c.size() / 3 <= MAX_ENTRIES, "counter with more than %d entries", MAX_ENTRIES);
        DotFun<Long> f = new DotFun<>();
        Dot prev = null;
        for (int i = 0; i < c.size(); i += 3) {
          Dot d = dot(c.get(i), c.get(i + 1));
          require(prev == null || prev.compareTo(d) < 0, "counter entries not sorted");
          prev = d;
          long z = c.get(i + 2);
          f.putAbsent(d, (z >>> 1) ^ -(z & 1));
        }
        return f;
      }
      case FLAG:
        return dotSet(leaf.getFlagList(), false);
      case SET: {
        DotMap<Object> m = new DotMap<>();
        Object prev = null;
        boolean first = true;
        for (SetElement e : leaf.getSetList()) {
          require(noUnknownFields(e.getUnknownFields()), "unknown fields in set element");
          Object v = setValue(e);
          require(first || Scalars.ORDER.compare(prev, v) < 0, "set elements not in strictly ascending order");
          first = false;
          prev = v;
          m.put(v, dotSet(e.getDotsList(), !state.getUnkeyed()));
        }
        return m;
      }
      case LIST:
        return sequence(leaf.getList(), false);
      case TEXT:
        return sequence(leaf.getText(), true);
      case MAP:
        return mapFrom(leaf.getMapList(), true);
      default:
        throw new CodecException(Reason.INVALID, "a " + type.label() + " cannot be a non-empty leaf");
    }
  }

  /** Present sequence elements' dots: checked against each other and the other dots at the end. */
  private final List<ReplicaId> elementReplicas = new ArrayList<>();
  private final List<long[]> elementRanges = new ArrayList<>();

  private DotSeq sequence(Sequence q, boolean text) throws CodecException {
    require(noUnknownFields(q.getUnknownFields()), "unknown fields in sequence");
    List<Long> ids = q.getIdsList();
    List<Long> positions = q.getPositionsList();
    List<Long> origins = q.getOriginsList();
    int[] originAt = {0};
    List<SeqColumns.Unit> units = new ArrayList<>();
    int i = 0;
    long prevIndex = -1;
    long prevPosEnd = 0;
    while (i < ids.size()) {
      require(i + 1 < ids.size(), "sequence ids truncated after replica index");
      long idx = ids.get(i);
      long n = ids.get(i + 1);
      require(idx > prevIndex && idx < replicas.length, "sequence replica index %d out of order or range", idx);
      require(n >= 1 && n <= (ids.size() - i - 2) / 2, "sequence unit count %d does not fit", n);
      prevIndex = idx;
      ReplicaId r = replicas[(int) idx];
      i += 2;
      long prevEnd = 0;
      for (long k = 0; k < n; k++) {
        long gap = ids.get(i++);
        long extra = ids.get(i++);
        require(gap >= 0 && gap < MAX_COUNTER && extra >= 0 && extra < Integer.MAX_VALUE,
            "bad sequence unit (%d, %d)", gap, extra);
        long start = prevEnd + gap + 1;
        require(start < MAX_COUNTER - extra, "sequence ids past the largest counter");
        require(units.size() < positions.size(), "fewer positions than units");
        long v = positions.get(units.size());
        long delta = unzigzag(v >>> 2);
        long pos = prevPosEnd + delta;
        require(delta > -MAX_COUNTER && delta < MAX_COUNTER && pos >= 0, "bad position %d", pos);
        boolean le = (v & 1) != 0;
        boolean re = (v & 2) != 0;
        Origin left = le ? origin(origins, originAt) : null;
        Origin right = re ? origin(origins, originAt) : null;
        units.add(new SeqColumns.Unit(r, start, extra + 1, pos, le, left == null ? null : left.replica,
            left == null ? 0 : left.counter, re, right == null ? null : right.replica,
            right == null ? 0 : right.counter, true));
        prevPosEnd = pos + extra + 1;
        prevEnd = start + extra;
      }
    }
    require(units.size() == positions.size(), "more positions than units");
    require(originAt[0] == origins.size(), "origins left over");
    // Decoding inserts units in encode order, by replica index; ids sorted within each replica.
    long[] removed = new long[q.getRemovedCount()];
    for (int k = 0; k < removed.length; k++) {
      removed[k] = q.getRemoved(k);
      require(removed[k] >= 0 && removed[k] < MAX_COUNTER, "bad removed run %d", removed[k]);
    }
    List<SeqColumns.Unit> waiting = new ArrayList<>();
    List<Long> w = q.getWaitingList();
    int[] at = {0};
    while (at[0] < w.size()) {
      require(at[0] + 3 <= w.size(), "waiting record truncated");
      long idx = w.get(at[0]++);
      require(idx >= 0 && idx < replicas.length, "waiting replica index %d out of range", idx);
      ReplicaId r = replicas[(int) idx];
      long start = context.max(r) - unzigzag(w.get(at[0]++));
      long extra = w.get(at[0]++);
      require(start >= 1 && start < MAX_COUNTER && extra >= 0 && extra < Integer.MAX_VALUE
          && start < MAX_COUNTER - extra, "bad waiting record ids");
      Origin left = origin(w, at);
      Origin right = origin(w, at);
      require(at[0] < w.size(), "waiting record truncated");
      long present = w.get(at[0]++);
      require(present == 0 || present == 1, "bad waiting presence %d", present);
      waiting.add(new SeqColumns.Unit(r, start, extra + 1, -1, true,
          left == null ? null : left.replica, left == null ? 0 : left.counter, true,
          right == null ? null : right.replica, right == null ? 0 : right.counter, present == 1));
    }
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
      int element = 0;
      for (ElementValue ev : q.getValuesList()) {
        require(noUnknownFields(ev.getUnknownFields()), "unknown fields in element value");
        require(ev.getSkip() >= 0 && ev.getSkip() <= q.getTypesCount() - element, "element value past the end");
        element += (int) ev.getSkip();
        require(element < q.getTypesCount(), "element value past the end");
        while (values.size() < element) {
          values.add(null);
        }
        CrdtType t = elementType(q.getTypes(element));
        require(ev.hasValue(), "element value without a leaf");
        Leaf leaf = ev.getValue();
        require(leaf.getPath().isEmpty(), "an element value has no path");
        require(leafType(leaf) == t, "element %d is a %s, its value is not", element, t.label());
        values.add(store(leaf, t));
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
    checkPresentElements(units, removed, waiting);
    try {
      return DotSeq.fromColumns(
          new SeqColumns(text, units, removed, chars, waiting, waitingChars, types, values));
    } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
      throw new CodecException(Reason.INVALID, "bad sequence: " + e.getMessage(), e);
    }
  }

  private CrdtType elementType(int tag) throws CodecException {
    CrdtType t = CrdtType.ofTag(tag);
    require(t != null, "unknown element type tag %d", tag);
    return t;
  }

  private record Origin(ReplicaId replica, long counter) {}

  /** An origin as crdt.proto writes it; null for the start or end of the sequence. */
  private Origin origin(List<Long> in, int[] at) throws CodecException {
    require(at[0] < in.size(), "origin truncated");
    long idx = in.get(at[0]++);
    if (idx == 0) {
      return null;
    }
    // idx is a uint64 on the wire: a negative long is out of range too, not below the bound.
    require(idx > 0 && idx <= replicas.length && at[0] < in.size(), "bad origin replica index %s",
        Long.toUnsignedString(idx));
    ReplicaId r = replicas[(int) idx - 1];
    long counter = context.max(r) - unzigzag(in.get(at[0]++));
    require(counter >= 1 && counter < MAX_COUNTER, "origin counter %d out of range", counter);
    return new Origin(r, counter);
  }

  static long unzigzag(long z) {
    return (z >>> 1) ^ -(z & 1);
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
    java.util.zip.Inflater inf = new java.util.zip.Inflater();
    try {
      inf.setInput(deflated);
      byte[] out = new byte[(int) Math.min(size, Math.max(64 << 10, 2L * deflated.length))];
      int n = 0;
      while (!inf.finished()) {
        if (n == out.length) {
          if (n == size) {
            break; // more output than declared: refused below
          }
          out = java.util.Arrays.copyOf(out, (int) Math.min(size, 2L * out.length));
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
    } catch (java.util.zip.DataFormatException e) {
      throw new CodecException(Reason.INVALID, "deflated characters are corrupt", e);
    } finally {
      inf.end();
    }
  }

  /**
   * Present elements hold their own dot: it must be in the context, not pending, and (checked at
   * the end) held nowhere else.
   */
  private void checkPresentElements(List<SeqColumns.Unit> units, long[] removed,
      List<SeqColumns.Unit> waiting) throws CodecException {
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
          presentRange(u.replica(), c, e);
        }
        left -= e - c + 1;
        c = e + 1;
      }
    }
    for (SeqColumns.Unit u : waiting) {
      if (u.present()) {
        presentRange(u.replica(), u.start(), u.start() + u.length() - 1);
      }
    }
  }

  private void presentRange(ReplicaId r, long lo, long hi) throws CodecException {
    if (!context.contains(r, lo) || context.sameUntil(r, lo, hi) != hi) {
      require(false, "present elements %s:%s..%s are not all in the context", r, lo, hi);
    }
    if (pending.containsAny(r, lo, hi)) {
      require(false, "present elements %s:%s..%s are pending", r, lo, hi);
    }
    elementReplicas.add(r);
    elementRanges.add(new long[] {lo, hi});
  }

  /** No dot is held twice: by two present elements, or by an element and a value. */
  private void checkElementDots() throws CodecException {
    if (elementRanges.isEmpty()) {
      return;
    }
    Integer[] order = new Integer[elementRanges.size()];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    java.util.Arrays.sort(order, (a, b) -> {
      int c = elementReplicas.get(a).compareTo(elementReplicas.get(b));
      return c != 0 ? c : Long.compare(elementRanges.get(a)[0], elementRanges.get(b)[0]);
    });
    for (int i = 1; i < order.length; i++) {
      int a = order[i - 1];
      int b = order[i];
      require(!elementReplicas.get(a).equals(elementReplicas.get(b))
          || elementRanges.get(a)[1] < elementRanges.get(b)[0], "an element's dot appears twice");
    }
    CausalContext held = CausalContext.ofRanges(elementReplicas, elementRanges);
    for (Dot d : seenDots) {
      require(!held.contains(d), "dot %s appears twice", d);
    }
  }

  private DotSet dotSet(List<Long> pairs, boolean mayBeEmpty) throws CodecException {
    require(pairs.size() % 2 == 0, "dots are pairs");
    require(pairs.size() / 2 <= MAX_ENTRIES, "more than %d dots in one flag or set element", MAX_ENTRIES);
    require(mayBeEmpty || !pairs.isEmpty(), "empty dot set outside a keyed delta");
    DotSet s = new DotSet();
    Dot prev = null;
    for (int i = 0; i < pairs.size(); i += 2) {
      Dot d = dot(pairs.get(i), pairs.get(i + 1));
      require(prev == null || prev.compareTo(d) < 0, "dots not sorted");
      prev = d;
      s.addAbsent(d);
    }
    return s;
  }

  private Dot dot(long replicaIndex, long back) throws CodecException {
    require(replicaIndex >= 0 && replicaIndex < replicas.length, "replica index %d out of range", replicaIndex);
    long max = context.max(replicas[(int) replicaIndex]);
    require(back >= 0 && back < max, "dot %d below the context's highest counter %d is out of range", back, max);
    Dot d = new Dot(replicas[(int) replicaIndex], max - back);
    require(context.contains(d), "dot %s is not in the context", d);
    require(seenDots.add(d), "dot %s appears twice", d);
    require(!pending.contains(d), "dot %s is held but pending (its event not applied)", d);
    return d;
  }

  private static Object registerValue(RegisterEntry e) throws CodecException {
    switch (e.getValueCase()) {
      case STRING_VALUE: return e.getStringValue();
      case LONG_VALUE: return e.getLongValue();
      case DOUBLE_VALUE: return finite(e.getDoubleValue());
      case BOOL_VALUE: return e.getBoolValue();
      case NULL_VALUE:
        require(e.getNullValue(), "null_value must be true");
        return null;
      default: throw new CodecException(Reason.INVALID, "register entry without a value");
    }
  }

  private static Object setValue(SetElement e) throws CodecException {
    switch (e.getValueCase()) {
      case STRING_VALUE: return e.getStringValue();
      case LONG_VALUE: return e.getLongValue();
      case DOUBLE_VALUE: return finite(e.getDoubleValue());
      case BOOL_VALUE: return e.getBoolValue();
      case NULL_VALUE:
        require(e.getNullValue(), "null_value must be true");
        return null;
      default: throw new CodecException(Reason.INVALID, "set element without a value");
    }
  }

  private static double finite(double d) throws CodecException {
    require(Double.isFinite(d), "number is not finite: %s", d);
    return d;
  }

  private static boolean isAscii(byte[] bytes) {
    for (byte b : bytes) {
      if (b < 0) {
        return false;
      }
    }
    return true;
  }

  /**
   * True if a message has no unknown fields. Same as {@code fields.asMap().isEmpty()}, but asMap
   * clones the field set's TreeMap on every call, and this runs for every leaf and entry.
   */
  private static boolean noUnknownFields(UnknownFieldSet fields) {
    return UnknownFieldSet.getDefaultInstance().equals(fields);
  }

  /*
   * The fixed-arity overloads of require exist for the per-leaf and per-dot checks: the varargs
   * form allocates its array, and boxes primitive arguments, on every call even when the check
   * passes. All format the same message the varargs form would.
   */

  static void require(boolean ok, String message) throws CodecException {
    if (!ok) {
      throw new CodecException(Reason.INVALID, String.format(message));
    }
  }

  static void require(boolean ok, String format, long arg) throws CodecException {
    if (!ok) {
      throw new CodecException(Reason.INVALID, String.format(format, arg));
    }
  }

  static void require(boolean ok, String format, long arg1, long arg2) throws CodecException {
    if (!ok) {
      throw new CodecException(Reason.INVALID, String.format(format, arg1, arg2));
    }
  }

  static void require(boolean ok, String format, Object arg) throws CodecException {
    if (!ok) {
      throw new CodecException(Reason.INVALID, String.format(format, arg));
    }
  }

  static void require(boolean ok, String format, Object... args) throws CodecException {
    if (!ok) {
      throw new CodecException(Reason.INVALID, String.format(format, args));
    }
  }
}
