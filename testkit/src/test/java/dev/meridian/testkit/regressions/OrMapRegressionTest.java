package dev.meridian.testkit.regressions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.meridian.crdt.CrdtType;
import dev.meridian.crdt.Replica;
import dev.meridian.crdt.flag.EwFlag;
import dev.meridian.crdt.map.OrMap;
import dev.meridian.crdt.set.AwSet;
import dev.meridian.crdt.store.DotSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Counterexamples found by {@code OrMapProperties}. */
class OrMapRegressionTest {
  /**
   * Found by {@code OrMapProperties.replicas_convergeUnderUnreliableDelivery} ({@code replicas=2
   * objects=1 ops=4 drop=0 duplicate=0 delay=0 maxDelay=1 seed=-14930352}): removing a key that
   * holds a nested map made a keyed delta with an empty map under the key, which names none of the
   * nested keys, so joining it (locally too) removed nothing below the key.
   */
  @Test
  void replicas_convergeUnderUnreliableDelivery_removeOfANestedMapRemovesWhatIsBelowIt() {
    Replica a = Replica.random();
    OrMap map = new OrMap();
    map.update(a, List.of("a", "b"), CrdtType.FLAG,
        (cur, dot, ctx) -> EwFlag.enableDelta((DotSet) cur, dot, ctx));
    OrMap other = map.copy();
    OrMap delta = map.remove(a, List.of("a"), CrdtType.MAP);
    assertNull(map.find(List.of("a", "b"), CrdtType.FLAG));
    other.join(delta);
    assertEquals(map, other);
  }

  /** The same for a set value: removing the key must remove the set's elements. */
  @Test
  void replicas_convergeUnderUnreliableDelivery_removeOfASetRemovesItsElements() {
    Replica a = Replica.random();
    OrMap map = new OrMap();
    map.update(a, List.of("s"), CrdtType.SET, (cur, dot, ctx) -> AwSet.addDelta(null, "x", dot, ctx));
    OrMap other = map.copy();
    OrMap delta = map.remove(a, List.of("s"), null);
    assertNull(map.find(List.of("s"), CrdtType.SET));
    other.join(delta);
    assertEquals(map, other);
  }
}
