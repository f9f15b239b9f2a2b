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
import dev.meridian.crdt.codec.proto.Leaf;
import dev.meridian.crdt.codec.proto.RegisterEntry;
import dev.meridian.crdt.codec.proto.SetElement;
import dev.meridian.crdt.codec.proto.State;
import dev.meridian.crdt.map.OrMap;
import dev.meridian.crdt.map.TypedKey;
import dev.meridian.crdt.store.DotFun;
import dev.meridian.crdt.store.DotMap;
import dev.meridian.crdt.store.DotSet;
import dev.meridian.crdt.store.DotStore;
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
      in.setRecursionLimit(8);
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
    return store(leaf, t);
  }

  /** Decodes the leaves of a map. */
  DotMap<TypedKey> map() throws CodecException {
    require(!state.hasValue(), "a map has no standalone value");
    DotMap<TypedKey> root = new DotMap<>();
    List<TypedKey> previous = null;
    for (Leaf leaf : state.getLeavesList()) {
      List<String> names = names(leaf.getPath());
      CrdtType type = leafType(leaf);
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
      default:
        throw new CodecException(Reason.INVALID, "a " + type.label() + " cannot be a non-empty leaf");
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
