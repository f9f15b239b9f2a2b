package dev.meridian.crdt.codec;

import dev.meridian.crdt.CausalCrdt;
import dev.meridian.crdt.CrdtType;
import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.codec.CodecException.Reason;
import dev.meridian.crdt.counter.Counter;
import dev.meridian.crdt.doc.Document;
import dev.meridian.crdt.flag.EwFlag;
import dev.meridian.crdt.map.OrMap;
import dev.meridian.crdt.register.MvRegister;
import dev.meridian.crdt.register.RegisterEntry;
import dev.meridian.crdt.sequence.OrList;
import dev.meridian.crdt.sequence.Text;
import dev.meridian.crdt.set.AwSet;
import dev.meridian.crdt.store.DotFun;
import dev.meridian.crdt.store.DotMap;
import dev.meridian.crdt.store.DotSeq;
import dev.meridian.crdt.store.DotSet;

/**
 * Encodes and decodes causal contexts, states and deltas (see {@code meridian/crdt/v1/crdt.proto}).
 *
 * <p>A blob is one format-version byte ({@link #FORMAT_VERSION}) followed by a protobuf {@code
 * State}: a replica table, the context as packed ranges, and the store. Encoding is deterministic:
 * equal states with the same keyed flag encode to equal bytes. Decoding validates everything — version, protobuf
 * well-formedness, indexes, ordering, that every dot in the store is in the context and appears once
 * — and fails only with {@link CodecException}. Protobuf's parser bounds every length by the input
 * size, so forged lengths cannot cause large allocations, and each register, counter, flag or set
 * element holds at most 4,096 entries. Decoded states are unbound (read and join only).
 *
 * <p>The keyed flag (a mutator's delta, whose join visits only its keys) is taken from the bytes:
 * peers are authenticated members of the cluster running this code, and like any CRDT the
 * protocol does not defend against a Byzantine peer, which could as well forge dots.
 */
public final class CrdtCodec {
  /** The format version written as the first byte of every blob. */
  public static final byte FORMAT_VERSION = 1;

  /** Hybrid-clock reading of 2025-01-01T00:00:00Z; timestamps are written relative to it. */
  static final long TIMESTAMP_EPOCH = 1_735_689_600_000L << 16;

  /** The state kind of a bare causal context. */
  static final int CONTEXT_KIND = 15;

  private CrdtCodec() {}

  /** The wire kind of a state type: its tag, but 0 for maps (the common case), 15 for a context. */
  static int kindTag(CrdtType type) {
    return type == null ? CONTEXT_KIND : type == CrdtType.MAP ? 0 : type.tag();
  }

  /** Encodes a document state or delta. */
  public static byte[] encode(Document document) {
    return encode(document.map());
  }

  /** Encodes a map state or delta. */
  public static byte[] encode(OrMap map) {
    StateEncoder e = new StateEncoder(map.liveContext(), map.store());
    e.pending(map.livePending());
    e.leaves(map.store());
    return e.finish(CrdtType.MAP, map.isKeyed());
  }

  /** Encodes a counter. */
  public static byte[] encode(Counter counter) {
    return standalone(counter, CrdtType.COUNTER);
  }

  /** Encodes a register. */
  public static byte[] encode(MvRegister register) {
    return standalone(register, CrdtType.REGISTER);
  }

  /** Encodes a flag. */
  public static byte[] encode(EwFlag flag) {
    return standalone(flag, CrdtType.FLAG);
  }

  /** Encodes a set. */
  public static byte[] encode(AwSet set) {
    return standalone(set, CrdtType.SET);
  }

  /** Encodes a text. */
  public static byte[] encode(Text text) {
    return standalone(text, CrdtType.TEXT);
  }

  /** Encodes a list. */
  public static byte[] encode(OrList list) {
    return standalone(list, CrdtType.LIST);
  }

  /** Encodes a bare causal context. */
  public static byte[] encode(CausalContext context) {
    return new StateEncoder(context, null).finish(null, false);
  }

  /** Decodes a document. @throws CodecException if the bytes are not a valid map state */
  public static Document decodeDocument(byte[] bytes) throws CodecException {
    return Document.of(decodeOrMap(bytes));
  }

  /** Decodes a map. @throws CodecException if the bytes are not a valid map state */
  public static OrMap decodeOrMap(byte[] bytes) throws CodecException {
    StateDecoder d = expect(bytes, CrdtType.MAP);
    return restore(OrMap.of(d.map(), d.context, d.keyed()), d);
  }

  /** Decodes a counter. @throws CodecException if the bytes are not a valid counter */
  @SuppressWarnings("unchecked")
  public static Counter decodeCounter(byte[] bytes) throws CodecException {
    StateDecoder d = expect(bytes, CrdtType.COUNTER);
    return restore(Counter.of((DotFun<Long>) d.value(CrdtType.COUNTER), d.context, d.keyed()), d);
  }

  /** Decodes a register. @throws CodecException if the bytes are not a valid register */
  @SuppressWarnings("unchecked")
  public static MvRegister decodeRegister(byte[] bytes) throws CodecException {
    StateDecoder d = expect(bytes, CrdtType.REGISTER);
    return restore(
        MvRegister.of((DotFun<RegisterEntry>) d.value(CrdtType.REGISTER), d.context, d.keyed()), d);
  }

  /** Decodes a flag. @throws CodecException if the bytes are not a valid flag */
  public static EwFlag decodeFlag(byte[] bytes) throws CodecException {
    StateDecoder d = expect(bytes, CrdtType.FLAG);
    return restore(EwFlag.of((DotSet) d.value(CrdtType.FLAG), d.context, d.keyed()), d);
  }

  /** Decodes a set. @throws CodecException if the bytes are not a valid set */
  @SuppressWarnings("unchecked")
  public static AwSet decodeSet(byte[] bytes) throws CodecException {
    StateDecoder d = expect(bytes, CrdtType.SET);
    return restore(AwSet.of((DotMap<Object>) d.value(CrdtType.SET), d.context, d.keyed()), d);
  }

  /** Decodes a text. @throws CodecException if the bytes are not a valid text */
  public static Text decodeText(byte[] bytes) throws CodecException {
    StateDecoder d = expect(bytes, CrdtType.TEXT);
    return restore(Text.of((DotSeq) d.value(CrdtType.TEXT), d.context, d.keyed()), d);
  }

  /** Decodes a list. @throws CodecException if the bytes are not a valid list */
  public static OrList decodeList(byte[] bytes) throws CodecException {
    StateDecoder d = expect(bytes, CrdtType.LIST);
    return restore(OrList.of((DotSeq) d.value(CrdtType.LIST), d.context, d.keyed()), d);
  }

  /** Decodes a bare causal context. @throws CodecException if the bytes are not a valid context */
  public static CausalContext decodeContext(byte[] bytes) throws CodecException {
    StateDecoder d = new StateDecoder(bytes);
    if (d.kind() != null || d.state.getLeavesCount() > 0 || d.state.hasValue() || d.keyed()
        || !d.pending.isEmpty()) {
      throw new CodecException(Reason.WRONG_TYPE, "expected a bare causal context");
    }
    return d.context;
  }

  private static <T extends CausalCrdt<T, ?>> T restore(T state, StateDecoder d) {
    state.restorePending(d.pending);
    return state;
  }

  private static byte[] standalone(CausalCrdt<?, ?> crdt, CrdtType type) {
    dev.meridian.crdt.store.DotStore store = crdt.store();
    StateEncoder e = new StateEncoder(crdt.liveContext(), store);
    e.pending(crdt.livePending());
    boolean keyed = crdt.isKeyed();
    e.value(type, store);
    return e.finish(type, keyed);
  }

  private static StateDecoder expect(byte[] bytes, CrdtType type) throws CodecException {
    StateDecoder d = new StateDecoder(bytes);
    CrdtType kind = d.kind();
    if (kind != type) {
      throw new CodecException(Reason.WRONG_TYPE,
          "expected a " + type.label() + ", found " + (kind == null ? "a bare context" : "a " + kind.label()));
    }
    return d;
  }
}
