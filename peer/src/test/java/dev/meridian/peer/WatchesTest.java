package dev.meridian.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.meridian.crdt.clock.CausalContext;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The watches' bookkeeping when a resumed watch cannot read the store. */
class WatchesTest {
  @Test
  void aResumedWatchWhoseCatchUpCannotStart_isNotKept() {
    Watches w = new Watches(k -> Optional.empty(), CausalContext::new, c -> {
      throw new IllegalStateException("the store failed");
    }, 10);
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> w.add("p/", new CausalContext(), c -> { }));
    assertEquals("the store failed", e.getMessage());
    assertEquals(0, w.size(), "a watch that never started is still registered");
    w.close();
  }
}
