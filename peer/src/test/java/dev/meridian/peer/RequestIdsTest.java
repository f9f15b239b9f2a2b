package dev.meridian.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The request-id window and bound, at their edges, with a clock of our own. */
class RequestIdsTest {
  private final AtomicLong now = new AtomicLong();
  private final AtomicInteger applied = new AtomicInteger();

  private CompletableFuture<Void> apply() {
    applied.incrementAndGet();
    return CompletableFuture.completedFuture(null);
  }

  @Test
  void anIdIsRememberedForTheWindowAndNotAfter() {
    RequestIds ids = new RequestIds(now::get, Duration.ofMinutes(10), 100);
    ids.once("a", 1, this::apply);
    now.set(Duration.ofMinutes(10).toNanos() - 1);
    ids.once("a", 1, this::apply);
    assertEquals(1, applied.get(), "a retry within the window applied again");
    now.set(Duration.ofMinutes(10).toNanos());
    ids.once("a", 1, this::apply);
    assertEquals(2, applied.get(), "an id past the window is forgotten");
  }

  @Test
  void theNewestIdsAreKeptUpToTheBound() {
    RequestIds ids = new RequestIds(now::get, Duration.ofMinutes(10), 3);
    for (String id : new String[] {"a", "b", "c"}) {
      ids.once(id, 1, this::apply);
    }
    ids.once("a", 1, this::apply);
    assertEquals(3, applied.get(), "all three ids fit");
    ids.once("d", 1, this::apply); // the fourth: the oldest ("a") goes
    assertEquals(3, ids.size());
    ids.once("b", 1, this::apply);
    assertEquals(4, applied.get(), "b is still remembered");
    ids.once("a", 1, this::apply);
    assertEquals(5, applied.get(), "a was forgotten past the bound");
  }

  @Test
  void aFailedFirstRequestIsForgottenAndAnInFlightOneIsShared() {
    RequestIds ids = new RequestIds(now::get, Duration.ofMinutes(10), 100);
    CompletableFuture<Void> pending = new CompletableFuture<>();
    CompletableFuture<Void> first = ids.once("x", 7, () -> pending);
    CompletableFuture<Void> retry = ids.once("x", 7, this::apply);
    assertSame(first, retry, "a retry while the first is applied waits for it");
    assertEquals(0, applied.get());
    pending.completeExceptionally(new IllegalStateException("store failed"));
    ids.once("x", 7, this::apply);
    assertEquals(1, applied.get(), "a retry of a failed request applies");
    assertThrows(IllegalArgumentException.class, () -> ids.once("x", 8, this::apply));
  }
}
