package dev.meridian.crdt.regressions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.meridian.crdt.CrdtType;
import dev.meridian.crdt.Replica;
import dev.meridian.crdt.ReplicaId;
import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.clock.HybridClock;
import dev.meridian.crdt.codec.CodecException;
import dev.meridian.crdt.codec.CrdtCodec;
import dev.meridian.crdt.codec.proto.Leaf;
import dev.meridian.crdt.codec.proto.State;
import dev.meridian.crdt.counter.Counter;
import dev.meridian.crdt.doc.Document;
import dev.meridian.crdt.flag.EwFlag;
import dev.meridian.crdt.map.OrMap;
import dev.meridian.crdt.store.DotFun;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** crdt-core defects, each kept as the example that showed it, named after the rule it holds. */
class CoreRegressionTest {
  private static final long NOW = 1_780_000_000_000L;
  private final Replica a = Replica.resume(ReplicaId.of(1), 0, new HybridClock(() -> NOW));
  private final Replica b = Replica.resume(ReplicaId.of(2), 0, new HybridClock(() -> NOW));

  /** A store with more entries than decoders accept is refused (decoding a flag stays linear). */
  @Test
  void decode_storeWithTooManyEntries_isRefused() {
    State.Builder s = State.newBuilder().addReplicas(1).setKind(CrdtType.FLAG.tag()).setUnkeyed(true);
    int n = 5000;
    s.addContext(0).addContext(1).addContext(0).addContext(n - 1);
    Leaf.Builder leaf = Leaf.newBuilder();
    for (int i = n - 1; i >= 0; i--) {
      leaf.addFlag(0).addFlag(i);
    }
    byte[] bytes = withVersion(s.setValue(leaf).build());
    CodecException e = assertThrows(CodecException.class, () -> CrdtCodec.decodeFlag(bytes));
    assertTrue(e.getMessage().contains("more than"), e.getMessage());
  }

  /** A held dot marked "pending" would claim to have applied nothing: decoding refuses it. */
  @Test
  void decode_heldDotMarkedPending_isRefused() {
    EwFlag flag = new EwFlag();
    flag.enable(a);
    State valid = parse(CrdtCodec.encode(flag));
    byte[] forged = withVersion(valid.toBuilder().addAllPending(valid.getContextList()).build());
    assertThrows(CodecException.class, () -> CrdtCodec.decodeFlag(forged));
  }

  /** An unpaired surrogate would become '?' on the wire and diverge replicas: refused locally. */
  @Test
  void unpairedSurrogate_inValueOrKey_isRefusedLocally() {
    Document doc = Document.create(a);
    assertThrows(IllegalArgumentException.class, () -> doc.set("k", "\uD800"));
    assertThrows(IllegalArgumentException.class, () -> doc.set("[\"\uDC00\"]", 1));
    assertEquals("{}", doc.toJson());
    doc.set("emoji", "\uD83D\uDE00"); // a proper pair is fine
    assertEquals("\uD83D\uDE00", doc.get("emoji"));
  }

  /** A path deeper than decoders accept could not be shipped: refused locally. */
  @Test
  void path_deeperThanDecodersAccept_isRefusedLocally() {
    OrMap map = new OrMap();
    List<String> deep = Collections.nCopies(OrMap.MAX_DEPTH + 1, "x");
    assertThrows(IllegalArgumentException.class,
        () -> map.update(a, deep, CrdtType.COUNTER, (cur, dot, ctx) -> Counter.incrementDelta(null, dot, 1, ctx)));
    assertTrue(map.isEmpty());
  }

  /** A forged far-future timestamp must not pin a replica's clock at the end of time. */
  @Test
  void observe_farFutureTimestamp_isIgnored() {
    HybridClock clock = new HybridClock(() -> NOW);
    clock.observe(Long.MAX_VALUE);
    long t = clock.now();
    assertEquals(NOW, HybridClock.millis(t));
  }

  /** Contributions summing past a long clamp the counter's value instead of wrapping it. */
  @Test
  void counterValue_pastLongRange_isClampedNotWrapped() {
    Counter c = new Counter();
    c.increment(a, Long.MAX_VALUE);
    c.increment(b, 1);
    assertEquals(Long.MAX_VALUE, c.value());
    Counter other = new Counter();
    other.join(c);
    assertEquals(c.value(), other.value());
  }

  /** A register delta under a counter key is refused on update, not only when encoded. */
  @Test
  void update_storeOfWrongValueType_isRefused() {
    OrMap map = new OrMap();
    assertThrows(IllegalArgumentException.class, () -> map.update(a, List.of("n"), CrdtType.COUNTER,
        (cur, dot, ctx) -> {
          DotFun<String> wrong = new DotFun<>();
          wrong.put(dot, "not a long");
          return wrong;
        }));
    assertTrue(map.isEmpty());
    assertEquals(new CausalContext(), map.context());
  }

  private static State parse(byte[] blob) {
    try {
      return State.parseFrom(java.util.Arrays.copyOfRange(blob, 1, blob.length));
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
  }

  private static byte[] withVersion(State s) {
    byte[] body = s.toByteArray();
    byte[] out = new byte[body.length + 1];
    out[0] = CrdtCodec.FORMAT_VERSION;
    System.arraycopy(body, 0, out, 1, body.length);
    return out;
  }
}
