package dev.meridian.peer;

import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The request ids of recent updates, so that a client's retry after a lost reply applies once.
 *
 * <p>An id is remembered from its first request for {@link #WINDOW}, and at most the
 * {@link #MAX_IDS} newest ids are kept (past that the oldest is forgotten first). A request with a
 * remembered id is not applied again: it gets the first request's outcome (waiting for it if that
 * one is still being applied). A first request that fails is forgotten once it fails, so a retry
 * applies. The same id for a different request is refused. Ids live in memory: a peer forgets them
 * when it restarts. Thread-safe.
 */
final class RequestIds {
  /** How long an id is remembered after its first request. */
  static final Duration WINDOW = Duration.ofMinutes(10);
  /** The most ids remembered at once. */
  static final int MAX_IDS = 100_000;
  /** The longest id, in characters. */
  static final int MAX_ID_LENGTH = 128;

  private record Entry(long fingerprint, long firstNanos, CompletableFuture<Void> outcome) {}

  private final LongSupplier nanoClock;
  private final long windowNanos;
  private final int maxIds;
  private final LinkedHashMap<String, Entry> recent = new LinkedHashMap<>();

  RequestIds() {
    this(System::nanoTime, WINDOW, MAX_IDS);
  }

  /** Ids remembered for {@code window}, at most {@code maxIds}, timed by {@code nanoClock}. */
  RequestIds(LongSupplier nanoClock, Duration window, int maxIds) {
    this.nanoClock = nanoClock;
    this.windowNanos = window.toNanos();
    this.maxIds = maxIds;
  }

  /** Checks an id's form; the empty id means none. */
  static void check(String id) {
    if (id.length() > MAX_ID_LENGTH) {
      throw new IllegalArgumentException("request_id is " + id.length()
          + " characters long; at most " + MAX_ID_LENGTH + " are allowed");
    }
  }

  /**
   * The outcome of the request {@code id} names: {@code apply}'s, run now if the id is new (or
   * forgotten), else the first request's.
   *
   * @param fingerprint identifies the request's content (what it writes, not how it is answered)
   * @throws IllegalArgumentException if {@code id} was used for a request of other content
   */
  CompletableFuture<Void> once(String id, long fingerprint,
      Supplier<CompletableFuture<Void>> apply) {
    CompletableFuture<Void> mine = new CompletableFuture<>();
    Entry entry;
    synchronized (recent) {
      long now = nanoClock.getAsLong();
      expire(now);
      Entry known = recent.get(id);
      if (known != null) {
        if (known.fingerprint() != fingerprint) {
          throw new IllegalArgumentException("request_id '" + id + "' was used for another"
              + " update within the last " + WINDOW.toMinutes() + " minutes; use a new id for a"
              + " new update");
        }
        return known.outcome();
      }
      entry = new Entry(fingerprint, now, mine);
      recent.put(id, entry);
      if (recent.size() > maxIds) {
        Iterator<String> oldest = recent.keySet().iterator();
        oldest.next();
        oldest.remove();
      }
    }
    CompletableFuture<Void> applied;
    try {
      applied = apply.get();
    } catch (RuntimeException e) {
      forget(id, entry);
      mine.completeExceptionally(e);
      throw e;
    }
    applied.whenComplete((v, t) -> {
      if (t != null) {
        forget(id, entry);
        mine.completeExceptionally(t);
      } else {
        mine.complete(null);
      }
    });
    return mine;
  }

  /** Ids remembered now (tests). */
  int size() {
    synchronized (recent) {
      expire(nanoClock.getAsLong());
      return recent.size();
    }
  }

  private void forget(String id, Entry entry) {
    synchronized (recent) {
      recent.remove(id, entry);
    }
  }

  private void expire(long now) {
    Iterator<Map.Entry<String, Entry>> it = recent.entrySet().iterator();
    while (it.hasNext()) {
      if (now - it.next().getValue().firstNanos() < windowNanos) {
        return; // insertion order is first-request order
      }
      it.remove();
    }
  }
}
