package dev.meridian.crdt.codec;

import static dev.meridian.crdt.codec.DecodeChecks.noUnknownFields;
import static dev.meridian.crdt.codec.DecodeChecks.require;
import static dev.meridian.crdt.codec.DecodeChecks.unzigzag;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.meridian.crdt.CrdtType;
import dev.meridian.crdt.ReplicaId;
import dev.meridian.crdt.Scalars;
import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.clock.Dot;
import dev.meridian.crdt.codec.CodecException.Reason;
import dev.meridian.crdt.codec.DecodeChecks.LongCursor;
import dev.meridian.crdt.codec.proto.Leaf;
import dev.meridian.crdt.codec.proto.RegisterEntry;
import dev.meridian.crdt.codec.proto.SetElement;
import dev.meridian.crdt.codec.proto.State;
import dev.meridian.crdt.map.OrMap;
import dev.meridian.crdt.map.TypedKey;
import dev.meridian.crdt.store.DotFun;
import dev.meridian.crdt.store.DotMap;
import dev.meridian.crdt.store.DotStore;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Parses and validates one {@link State}: the version byte, the replica table, the context and
 * pending dots, and the store (map leaves or a standalone value; lists and texts through {@link
 * SequenceDecoder}). Builds fresh objects only; nothing outside is touched, so a failed decode
 * changes nothing.
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
  /** The dots the store holds, checked as they are read. */
  final HeldDots held;
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
    readRanges(state.getContextList(), "context", false, MAX_COUNTER,
        (r, first, extra) -> context.addRange(r, first, first + extra));
    readRanges(state.getPendingList(), "pending", false, MAX_COUNTER,
        (r, first, extra) -> pending.addRange(r, first, first + extra));
    require(pending.isSubsetOf(context), "pending dots outside the context");
    held = new HeldDots(replicas, context, pending);
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

  /** Receives one range of counters {@code first .. first + extra} of replica {@code r}. */
  @FunctionalInterface
  interface RangeSink {
    void range(ReplicaId r, long first, long extra) throws CodecException;
  }

  /**
   * Reads a column of counter ranges as crdt.proto packs them, the context's and a sequence's ids
   * alike: groups of (replica index, range count, then a (gap, extra) pair per range), replica
   * indexes ascending, each range starting {@code gap + 1} after the end of the one before. Ranges
   * of a context never touch ({@code mayTouch} false: a gap of at least 1 after the first); the
   * units of a sequence may. Every range is checked before {@code sink} gets it.
   */
  void readRanges(List<Long> column, String what, boolean mayTouch, long maxExtra, RangeSink sink)
      throws CodecException {
    LongCursor in = new LongCursor(column);
    long prevIndex = -1;
    while (in.hasNext()) {
      require(in.remaining() >= 2, "%s truncated after replica index", what);
      long idx = in.next();
      long n = in.next();
      require(idx > prevIndex && idx < replicas.length, "%s replica index %d out of order or range",
          what, idx);
      require(n >= 1 && n <= in.remaining() / 2, "%s range count %d does not fit", what, n);
      ReplicaId r = replicas[(int) idx];
      long prevEnd = 0;
      for (long k = 0; k < n; k++) {
        long gap = in.next();
        long extra = in.next();
        require(gap >= 0 && gap < MAX_COUNTER && (mayTouch || k == 0 || gap >= 1)
            && extra >= 0 && extra < maxExtra, "bad %s range (%d, %d)", what, gap, extra);
        long first = prevEnd + gap + 1;
        require(first < MAX_COUNTER - extra, "%s range past the largest counter", what);
        sink.range(r, first, extra);
        prevEnd = first + extra;
      }
      prevIndex = idx;
    }
  }

  /** Replica {@code index} of the state's table. */
  ReplicaId replica(int index) {
    return replicas[index];
  }

  /** The size of the state's replica table. */
  int replicaCount() {
    return replicas.length;
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
    held.checkHeldOnce();
    return s;
  }

  /** Decodes the leaves of a map. */
  DotMap<TypedKey> map() throws CodecException {
    require(!state.hasValue(), "a map has no standalone value");
    DotMap<TypedKey> root = mapFrom(state.getLeavesList(), false);
    held.checkHeldOnce();
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

  /** The type of store a leaf holds; refuses a leaf that holds none or several. */
  CrdtType leafType(Leaf leaf) throws CodecException {
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

  /** The store of {@code type} that {@code leaf} holds. */
  DotStore store(Leaf leaf, CrdtType type) throws CodecException {
    if (leaf.getEmpty() != 0) {
      return OrMap.emptyStore(type);
    }
    return switch (type) {
      case REGISTER -> register(leaf);
      case COUNTER -> counter(leaf.getCounterList());
      case FLAG -> held.dotSet(leaf.getFlagList(), false);
      case SET -> set(leaf.getSetList());
      case LIST -> SequenceDecoder.decode(this, leaf.getList(), false);
      case TEXT -> SequenceDecoder.decode(this, leaf.getText(), true);
      case MAP -> mapFrom(leaf.getMapList(), true);
    };
  }

  private DotFun<dev.meridian.crdt.register.RegisterEntry> register(Leaf leaf)
      throws CodecException {
    require(leaf.getRegisterCount() <= MAX_ENTRIES, "register with more than %d values", MAX_ENTRIES);
    DotFun<dev.meridian.crdt.register.RegisterEntry> f = new DotFun<>();
    Dot prev = null;
    for (RegisterEntry e : leaf.getRegisterList()) {
      require(noUnknownFields(e.getUnknownFields()), "unknown fields in register entry");
      Dot d = held.dot(e.getReplica(), e.getBack());
      require(prev == null || prev.compareTo(d) < 0, "register entries not sorted");
      prev = d;
      f.putAbsent(d, new dev.meridian.crdt.register.RegisterEntry(
          registerValue(e), e.getTimestamp() + CrdtCodec.TIMESTAMP_EPOCH));
    }
    return f;
  }

  /** A counter's entries: (replica index, back, zigzag amount) triples. */
  private DotFun<Long> counter(List<Long> c) throws CodecException {
    require(c.size() % 3 == 0, "counter entries are triples");
    require(c.size() / 3 <= MAX_ENTRIES, "counter with more than %d entries", MAX_ENTRIES);
    DotFun<Long> f = new DotFun<>();
    Dot prev = null;
    for (int i = 0; i < c.size(); i += 3) {
      Dot d = held.dot(c.get(i), c.get(i + 1));
      require(prev == null || prev.compareTo(d) < 0, "counter entries not sorted");
      prev = d;
      f.putAbsent(d, unzigzag(c.get(i + 2)));
    }
    return f;
  }

  private DotMap<Object> set(List<SetElement> elements) throws CodecException {
    DotMap<Object> m = new DotMap<>();
    Object prev = null;
    boolean first = true;
    for (SetElement e : elements) {
      require(noUnknownFields(e.getUnknownFields()), "unknown fields in set element");
      Object v = setValue(e);
      require(first || Scalars.ORDER.compare(prev, v) < 0, "set elements not in strictly ascending order");
      first = false;
      prev = v;
      m.put(v, held.dotSet(e.getDotsList(), !state.getUnkeyed()));
    }
    return m;
  }

  private static Object registerValue(RegisterEntry e) throws CodecException {
    return switch (e.getValueCase()) {
      case STRING_VALUE -> e.getStringValue();
      case LONG_VALUE -> e.getLongValue();
      case DOUBLE_VALUE -> finite(e.getDoubleValue());
      case BOOL_VALUE -> e.getBoolValue();
      case NULL_VALUE -> nullValue(e.getNullValue());
      case VALUE_NOT_SET -> throw new CodecException(Reason.INVALID, "register entry without a value");
    };
  }

  private static Object setValue(SetElement e) throws CodecException {
    return switch (e.getValueCase()) {
      case STRING_VALUE -> e.getStringValue();
      case LONG_VALUE -> e.getLongValue();
      case DOUBLE_VALUE -> finite(e.getDoubleValue());
      case BOOL_VALUE -> e.getBoolValue();
      case NULL_VALUE -> nullValue(e.getNullValue());
      case VALUE_NOT_SET -> throw new CodecException(Reason.INVALID, "set element without a value");
    };
  }

  /** JSON null, written as a null_value that is always true. */
  private static Object nullValue(boolean set) throws CodecException {
    require(set, "null_value must be true");
    return null;
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
}
