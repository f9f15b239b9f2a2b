package dev.meridian.crdt.codec;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import dev.meridian.crdt.CrdtType;
import dev.meridian.crdt.ReplicaId;
import dev.meridian.crdt.Scalars;
import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.clock.Dot;
import dev.meridian.crdt.codec.proto.ElementValue;
import dev.meridian.crdt.codec.proto.Leaf;
import dev.meridian.crdt.codec.proto.RegisterEntry;
import dev.meridian.crdt.codec.proto.Sequence;
import dev.meridian.crdt.codec.proto.SetElement;
import dev.meridian.crdt.codec.proto.State;
import dev.meridian.crdt.map.TypedKey;
import dev.meridian.crdt.store.DotFun;
import dev.meridian.crdt.store.DotMap;
import dev.meridian.crdt.store.DotSeq;
import dev.meridian.crdt.store.DotSet;
import dev.meridian.crdt.store.DotStore;
import dev.meridian.crdt.store.SeqColumns;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.TreeSet;

/** Builds canonical {@link State} messages. One instance per message (it owns the replica table). */
final class StateEncoder {
  private final State.Builder state = State.newBuilder();
  private final HashMap<ReplicaId, Integer> index = new HashMap<>();
  private final CausalContext context;

  StateEncoder(CausalContext context, DotStore store) {
    this.context = context;
    TreeSet<ReplicaId> replicas = new TreeSet<>(context.replicas());
    if (store != null) {
      store.forEachReplica(replicas::add);
    }
    for (ReplicaId r : replicas) {
      index.put(r, index.size());
      state.addReplicas(r.value());
    }
    writeRanges(context, state::addContext);
  }

  /** Writes a context's ranges in the packed layout described in crdt.proto. */
  private void writeRanges(CausalContext ranges, java.util.function.LongConsumer out) {
    List<long[]> flat = new ArrayList<>();
    ranges.forEachRange((replica, first, last) -> flat.add(new long[] {index.get(replica), first, last}));
    int i = 0;
    while (i < flat.size()) {
      long replica = flat.get(i)[0];
      int j = i;
      while (j < flat.size() && flat.get(j)[0] == replica) {
        j++;
      }
      out.accept(replica);
      out.accept(j - i);
      long prevEnd = 0;
      for (int k = i; k < j; k++) {
        out.accept(flat.get(k)[1] - prevEnd - 1);
        out.accept(flat.get(k)[2] - flat.get(k)[1]);
        prevEnd = flat.get(k)[2];
      }
      i = j;
    }
  }

  /** Writes the pending dots (see CausalCrdt). */
  void pending(CausalContext pending) {
    writeRanges(pending, state::addPending);
  }

  byte[] finish(CrdtType kind, boolean keyed) {
    state.setKind(CrdtCodec.kindTag(kind)).setUnkeyed(!keyed);
    State s = state.build();
    byte[] out = new byte[1 + s.getSerializedSize()];
    out[0] = CrdtCodec.FORMAT_VERSION;
    CodedOutputStream cos = CodedOutputStream.newInstance(out, 1, out.length - 1);
    try {
      s.writeTo(cos);
      cos.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new UncheckedIOException("encoding into an exactly sized array failed", e);
    }
    return out;
  }

  void value(CrdtType type, DotStore store) {
    state.setValue(leaf(ByteString.EMPTY, type, store));
  }

  /** Adds one leaf per value of the map, depth first, children in typed-key order. */
  void leaves(DotMap<TypedKey> map) {
    leaves(map, new ByteArrayOutputStream(), state::addLeaves);
  }

  @SuppressWarnings("unchecked")
  private void leaves(DotMap<TypedKey> map, ByteArrayOutputStream prefix,
      java.util.function.Consumer<Leaf> out) {
    List<TypedKey> keys = new ArrayList<>(map.keySet());
    keys.sort(null);
    for (TypedKey k : keys) {
      DotStore s = map.get(k);
      ByteArrayOutputStream path = new ByteArrayOutputStream();
      path.writeBytes(prefix.toByteArray());
      byte[] name = k.name().getBytes(StandardCharsets.UTF_8);
      writeVarint(path, name.length);
      path.writeBytes(name);
      if (k.type() == CrdtType.MAP && !((DotMap<TypedKey>) s).keySet().isEmpty()) {
        leaves((DotMap<TypedKey>) s, path, out);
      } else {
        out.accept(leaf(ByteString.copyFrom(path.toByteArray()), k.type(), s));
      }
    }
  }

  @SuppressWarnings("unchecked")
  private Leaf leaf(ByteString path, CrdtType type, DotStore store) {
    Leaf.Builder b = Leaf.newBuilder().setPath(path);
    if (store.isEmpty() && !((type == CrdtType.SET || type == CrdtType.MAP)
        && !((DotMap<Object>) store).keySet().isEmpty())) {
      return b.setEmpty(type.tag()).build();
    }
    switch (type) {
      case REGISTER -> ((DotFun<dev.meridian.crdt.register.RegisterEntry>) store).entries()
          .forEach(e -> b.addRegister(register(e.getKey(), e.getValue())));
      case COUNTER -> ((DotFun<Long>) store).entries().forEach(e -> {
        b.addCounter(index.get(e.getKey().replica()));
        b.addCounter(back(e.getKey()));
        b.addCounter((e.getValue() << 1) ^ (e.getValue() >> 63));
      });
      case FLAG -> ((DotSet) store).dots().forEach(d -> {
        b.addFlag(index.get(d.replica()));
        b.addFlag(back(d));
      });
      case SET -> {
        DotMap<Object> set = (DotMap<Object>) store;
        List<Object> elements = new ArrayList<>(set.keySet());
        elements.sort(Scalars.ORDER);
        for (Object e : elements) {
          SetElement.Builder se = SetElement.newBuilder();
          setScalar(se, e);
          for (Dot d : ((DotSet) set.get(e)).dots()) {
            se.addDots(index.get(d.replica()));
            se.addDots(back(d));
          }
          b.addSet(se);
        }
      }
      case LIST -> b.setList(sequence((DotSeq) store));
      case TEXT -> b.setText(sequence((DotSeq) store));
      case MAP -> leaves((DotMap<TypedKey>) store, new ByteArrayOutputStream(), b::addMap);
      default -> throw new IllegalArgumentException("no leaf encoding for " + type);
    }
    return b.build();
  }

  /** Texts whose characters take at least this many bytes are deflated, if that pays. */
  static final int DEFLATE_FROM = 4096;

  /** A deflated text shrinks at most this much (decoders refuse more: it bounds what they allocate). */
  static final int MAX_INFLATION = 256;

  /** A list or text as run-length columns (see Sequence in crdt.proto). */
  private Sequence sequence(DotSeq seq) {
    SeqColumns c = seq.columns();
    Sequence.Builder b = Sequence.newBuilder();
    List<SeqColumns.Unit> units = c.units();
    int i = 0;
    while (i < units.size()) {
      ReplicaId r = units.get(i).replica();
      int j = i;
      while (j < units.size() && units.get(j).replica().equals(r)) {
        j++;
      }
      b.addIds(index.get(r));
      b.addIds(j - i);
      long prevEnd = 0;
      for (SeqColumns.Unit u : units.subList(i, j)) {
        b.addIds(u.start() - prevEnd - 1);
        b.addIds(u.length() - 1);
        prevEnd = u.start() + u.length() - 1;
      }
      i = j;
    }
    long prevEnd = 0;
    for (SeqColumns.Unit u : units) {
      long flags = (u.leftExplicit() ? 1 : 0) | (u.rightExplicit() ? 2 : 0);
      b.addPositions((zigzag(u.position() - prevEnd) << 2) | flags);
      prevEnd = u.position() + u.length();
      if (u.leftExplicit()) {
        origin(b::addOrigins, u.leftReplica(), u.leftCounter());
      }
      if (u.rightExplicit()) {
        origin(b::addOrigins, u.rightReplica(), u.rightCounter());
      }
    }
    for (long r : c.removed()) {
      b.addRemoved(r);
    }
    for (SeqColumns.Unit u : c.waiting()) {
      b.addWaiting(index.get(u.replica()));
      b.addWaiting(zigzag(context.max(u.replica()) - u.start()));
      b.addWaiting(u.length() - 1);
      origin(b::addWaiting, u.leftReplica(), u.leftCounter());
      origin(b::addWaiting, u.rightReplica(), u.rightCounter());
      b.addWaiting(u.present() ? 1 : 0);
    }
    if (c.text()) {
      byte[] chars = Cesu8.encode(c.chars());
      byte[] deflated = chars.length >= DEFLATE_FROM ? deflate(chars) : null;
      if (deflated != null && deflated.length * (long) MAX_INFLATION >= chars.length
          && deflated.length < chars.length - chars.length / 8) {
        b.setChars(ByteString.copyFrom(deflated)).setInflatedSize(chars.length);
      } else {
        b.setChars(ByteString.copyFrom(chars));
      }
      b.setWaitingChars(ByteString.copyFrom(Cesu8.encode(c.waitingChars())));
    } else {
      int skip = 0;
      for (int k = 0; k < c.types().size(); k++) {
        CrdtType t = c.types().get(k);
        DotStore v = c.values().get(k);
        b.addTypes(t.tag());
        if (holdsSomething(v)) {
          b.addValues(ElementValue.newBuilder().setSkip(skip).setValue(leaf(ByteString.EMPTY, t, v)));
          skip = 0;
        } else {
          skip++;
        }
      }
    }
    return b.build();
  }

  /** True unless the store is empty and names no key (decoding makes such an empty store). */
  private static boolean holdsSomething(DotStore v) {
    return !v.isEmpty() || (v instanceof DotMap && !((DotMap<?>) v).keySet().isEmpty());
  }

  private void origin(java.util.function.LongConsumer out, ReplicaId r, long counter) {
    if (r == null) {
      out.accept(0);
    } else {
      out.accept(index.get(r) + 1);
      out.accept(zigzag(context.max(r) - counter));
    }
  }

  static long zigzag(long v) {
    return (v << 1) ^ (v >> 63);
  }

  private static byte[] deflate(byte[] raw) {
    java.util.zip.Deflater d = new java.util.zip.Deflater(java.util.zip.Deflater.DEFAULT_COMPRESSION);
    try {
      d.setInput(raw);
      d.finish();
      ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length / 3 + 64);
      byte[] buf = new byte[16384];
      while (!d.finished()) {
        int n = d.deflate(buf);
        out.write(buf, 0, n);
      }
      return out.toByteArray();
    } finally {
      d.end();
    }
  }

  private RegisterEntry register(Dot dot, dev.meridian.crdt.register.RegisterEntry entry) {
    RegisterEntry.Builder b = RegisterEntry.newBuilder()
        .setReplica(index.get(dot.replica()))
        .setBack(back(dot))
        .setTimestamp(entry.timestamp() - CrdtCodec.TIMESTAMP_EPOCH);
    Object v = entry.value();
    if (v == null) {
      b.setNullValue(true);
    } else if (v instanceof String string) {
      b.setStringValue(string);
    } else if (v instanceof Long number) {
      b.setLongValue(number);
    } else if (v instanceof Double real) {
      b.setDoubleValue(real);
    } else {
      b.setBoolValue((Boolean) v);
    }
    return b.build();
  }

  /** How far below the context's highest counter for its replica a dot is (see crdt.proto). */
  private long back(Dot dot) {
    long max = context.max(dot.replica());
    if (max < dot.counter()) {
      throw new IllegalArgumentException("dot " + dot + " is not in the state's context");
    }
    return max - dot.counter();
  }

  private static void setScalar(SetElement.Builder b, Object v) {
    if (v == null) {
      b.setNullValue(true);
    } else if (v instanceof String string) {
      b.setStringValue(string);
    } else if (v instanceof Long number) {
      b.setLongValue(number);
    } else if (v instanceof Double real) {
      b.setDoubleValue(real);
    } else {
      b.setBoolValue((Boolean) v);
    }
  }

  private static void writeVarint(ByteArrayOutputStream out, int v) {
    while ((v & ~0x7F) != 0) {
      out.write((v & 0x7F) | 0x80);
      v >>>= 7;
    }
    out.write(v);
  }

}
