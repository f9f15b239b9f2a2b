package dev.meridian.testkit.regressions;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.meridian.crdt.Replica;
import dev.meridian.crdt.ReplicaId;
import dev.meridian.crdt.clock.HybridClock;
import dev.meridian.crdt.codec.CodecException;
import dev.meridian.crdt.codec.CrdtCodec;
import dev.meridian.crdt.sequence.Text;
import dev.meridian.testkit.CrdtLaws;
import dev.meridian.testkit.ReplicaSimulator;
import dev.meridian.testkit.specs.CoreSpecs;
import org.junit.jupiter.api.Test;

/** Counterexamples found by {@code TextProperties} once the codec encoded sequences. */
class TextRegressionTest {
  /**
   * Found by {@code TextProperties.codec_roundTripsStatesAndDeltas} ({@code law=CODEC_ROUND_TRIP
   * replicas=1 steps=6 seed=6}): a decoded record waiting for its origin came back marked
   * invisible, so once its origin arrived it was integrated without counting towards the length;
   * {@code y ⊔ decode(encode(x))} printed as {@code y ⊔ x} but was one character shorter.
   */
  @Test
  void codec_roundTripsStatesAndDeltas_aWaitingCharacterCountsOnceIntegrated() throws CodecException {
    Replica r = Replica.resume(ReplicaId.of(5), 0, new HybridClock());
    Text t = new Text();
    Text first = t.insert(r, 0, "bc");
    Text typed = t.insert(r, 1, "n"); // waits for "b" in a replica that has nothing else
    Text y = new Text();
    y.join(first);
    Text viaBytes = y.copy();
    viaBytes.join(CrdtCodec.decodeText(CrdtCodec.encode(typed)));
    Text direct = y.copy();
    direct.join(typed);

    assertEquals(direct, viaBytes);
    assertEquals(3, viaBytes.length());
    CrdtLaws.replay(CoreSpecs.text(), "law=CODEC_ROUND_TRIP replicas=1 steps=6 seed=6");
  }

  /**
   * Found by {@code TextProperties.replicas_convergeUnderUnreliableDelivery} ({@code replicas=2
   * objects=1 ops=2 drop=0 duplicate=0 delay=0 maxDelay=0 seed=-8}): the same fault, seen as two
   * replicas that print the same text yet differ, once deltas travel as bytes.
   */
  @Test
  void replicas_convergeUnderUnreliableDelivery_deltasThatTravelAsBytes() {
    ReplicaSimulator.replay(CoreSpecs.text(),
        "replicas=2 objects=1 ops=2 drop=0 duplicate=0 delay=0 maxDelay=0 seed=-8");
  }
}
