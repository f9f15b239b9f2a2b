package dev.meridian.crdt.flag;

import static dev.meridian.crdt.Sites.assertDeltaSinceLaw;
import static dev.meridian.crdt.Sites.joinInEveryOrder;
import static dev.meridian.crdt.Sites.replica;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.meridian.crdt.Replica;
import java.util.List;
import org.junit.jupiter.api.Test;

class EwFlagTest {
  private final Replica r1 = replica(1);
  private final Replica r2 = replica(2);

  @Test
  void enable_concurrentWithDisable_enableWins() {
    EwFlag f1 = new EwFlag();
    EwFlag f2 = new EwFlag();
    EwFlag first = f1.enable(r1);
    f2.join(first);

    EwFlag disabled = f1.disable(r1);
    EwFlag enabled = f2.enable(r2);
    assertFalse(f1.value());
    f1.join(enabled);
    f2.join(disabled);

    assertEquals(f1, f2);
    assertTrue(f1.value());
    assertEquals(f1, joinInEveryOrder(new EwFlag(), List.of(first, disabled, enabled)));
  }

  @Test
  void enable_concurrentWithDisableOfNeverEnabled_enableWins() {
    EwFlag f1 = new EwFlag();
    EwFlag f2 = new EwFlag();

    EwFlag disabled = f1.disable(r1);
    EwFlag enabled = f2.enable(r2);

    assertTrue(joinInEveryOrder(new EwFlag(), List.of(disabled, enabled)).value());
  }

  @Test
  void disable_afterSeeingEnables_disablesEverywhere() {
    EwFlag f1 = new EwFlag();
    EwFlag f2 = new EwFlag();
    EwFlag e1 = f1.enable(r1);
    EwFlag e2 = f2.enable(r2);
    f2.join(e1);

    EwFlag disabled = f2.disable(r2);
    f1.join(disabled);
    f1.join(e2);

    assertFalse(f1.value());
    assertFalse(f2.value());
    assertEquals(f1, f2);
    assertFalse(joinInEveryOrder(new EwFlag(), List.of(e1, e2, disabled)).value());
  }

  @Test
  void disable_mintsDotInContext() {
    EwFlag f = new EwFlag();

    EwFlag delta = f.disable(r1);

    assertFalse(delta.context().isEmpty(), "a disable must be an event sync can find");
    assertEquals(1, f.context().dotCount());
  }

  @Test
  void enable_twice_holdsOneDot() {
    EwFlag f = new EwFlag();
    f.enable(r1);
    f.enable(r1);

    assertTrue(f.value());
    assertEquals(1, f.store().size());
  }

  @Test
  void deltaSince_replicaMissedDisable_disables() {
    EwFlag f1 = new EwFlag();
    EwFlag f2 = new EwFlag();
    f2.join(f1.enable(r1));
    f1.disable(r1); // f2 misses this delta
    assertDeltaSinceLaw(f1, f2);

    f2.join(f1.deltaSince(f2.context()));

    assertFalse(f2.value());
    assertEquals(f1, f2);
  }

  @Test
  void deltaSince_law_concurrentStates() {
    EwFlag f1 = new EwFlag();
    EwFlag f2 = new EwFlag();
    f2.join(f1.enable(r1));
    f1.disable(r1);
    f2.enable(r2);

    assertDeltaSinceLaw(f1, f2);
    assertDeltaSinceLaw(f2, f1);
    assertDeltaSinceLaw(f1, new EwFlag());
  }
}
