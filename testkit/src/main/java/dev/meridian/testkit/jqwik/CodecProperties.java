package dev.meridian.testkit.jqwik;

import dev.meridian.crdt.DeltaCrdt;
import dev.meridian.testkit.CrdtLaws;
import dev.meridian.testkit.CrdtSpec;
import dev.meridian.testkit.HistoryPlan;
import dev.meridian.testkit.Law;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The codec properties for one CRDT type, for specs that have a codec: round trips of states and
 * deltas, and corrupt input rejected with the codec's checked exception. Implement it beside {@link
 * CrdtProperties}; the simulator then also sends every message through the codec.
 *
 * @param <T> the CRDT type
 */
public interface CodecProperties<T extends DeltaCrdt<T>> {
  /** The spec of the type under test; it must have a codec. */
  CrdtSpec<T> spec();

  /** History plans for the codec properties. */
  @Provide
  default Arbitrary<HistoryPlan> codecHistories() {
    return CrdtArbitraries.histories();
  }

  /** {@link Law#CODEC_ROUND_TRIP}. */
  @Property
  default void codec_roundTripsStatesAndDeltas(@ForAll("codecHistories") HistoryPlan plan) {
    requireCodec(spec());
    CrdtLaws.check(spec(), Law.CODEC_ROUND_TRIP, plan);
  }

  /** {@link Law#CODEC_REJECTS_CORRUPT}. */
  @Property
  default void codec_rejectsCorruptInput(@ForAll("codecHistories") HistoryPlan plan) {
    requireCodec(spec());
    CrdtLaws.check(spec(), Law.CODEC_REJECTS_CORRUPT, plan);
  }

  private static void requireCodec(CrdtSpec<?> spec) {
    if (spec.codec().isEmpty()) {
      throw new AssertionError(spec.name() + ": CodecProperties needs a spec with a codec");
    }
  }
}
