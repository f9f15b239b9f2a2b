package dev.meridian.persistence;

import dev.meridian.crdt.Replica;
import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.doc.Document;
import dev.meridian.crdt.map.OrMap;
import dev.meridian.crdt.store.DotMap;

/**
 * This replica's dot counters on disk: the durable reservation of counters and the void dots
 * (minted, held by no document), which it adds to the store context and hands to the next local
 * write to ship (MapDbDocStore, design notes [5] and [6]).
 *
 * <p>Thread-safe: {@code reserveLock} orders reservations (a journal append and its fsync);
 * {@code voidLock} guards the void dots not yet shipped; the store context is guarded by its own
 * monitor. Lock order: reserveLock, then the journal's; voidLock and the context's are leaves.
 */
final class DotLedger {
  static final long RESERVE_BLOCK = 1L << 20;

  private final Journal journal;
  private final Replica replica;
  private final CausalContext context;
  private final Object reserveLock = new Object();
  private volatile long reserved;
  private final Object voidLock = new Object();
  private CausalContext voided = new CausalContext();
  private volatile boolean anyVoided;

  /**
   * @param context the store context (the ledger adds void dots to it under its monitor)
   */
  DotLedger(Journal journal, Replica replica, long reserved, CausalContext context) {
    this.journal = journal;
    this.replica = replica;
    this.reserved = reserved;
    this.context = context;
  }

  /** Reserves more counters if fewer than half a block are left, before a write mints. */
  void reserveIfLow() throws StoreException {
    if (reserved - replica.lastCounter() < RESERVE_BLOCK / 2) {
      reserveAbove(replica.lastCounter());
    }
  }

  /** After a write: reserves if it minted past the reservation. */
  void reserveIfPast() throws StoreException {
    if (replica.lastCounter() > reserved) {
      reserveAbove(replica.lastCounter());
    }
  }

  /** Reserves dot counters up to {@code above + RESERVE_BLOCK}, durably, before they are used. */
  void reserveAbove(long above) throws StoreException {
    synchronized (reserveLock) {
      if (reserved - above >= RESERVE_BLOCK / 2) {
        return;
      }
      long next = above + RESERVE_BLOCK;
      Journal.Appended a = journal.append(JournalRecords.reserve(next, replica.clock().last()),
          true, null);
      journal.awaitDurable(a.end()); // by hand, this commits
      reserved = next;
    }
  }

  /**
   * This replica's dots from {@code from} up to the reservation that the store context lacks are
   * void: nothing is seen before its fsync, so no one ever saw them.
   */
  void declareVoid(long from) {
    long to = replica.lastCounter();
    if (from > to) {
      return;
    }
    CausalContext range = new CausalContext();
    range.addRange(replica.id(), from, to);
    CausalContext gaps;
    synchronized (context) {
      gaps = range.minus(context);
    }
    addVoid(gaps);
  }

  /** Adds void dots: to the store context now, to the next local write's delta to ship. */
  void addVoid(CausalContext dots) {
    if (dots.isEmpty()) {
      return;
    }
    synchronized (context) {
      context.addAll(dots);
    }
    synchronized (voidLock) {
      voided.addAll(dots);
      anyVoided = true;
    }
  }

  /**
   * {@code delta} with the void dots so far in its context (and no content for them), so they
   * ship with a real write; {@code doc}, the live document the delta was made from, gets them
   * too, as a reload would. A keyed, empty store removes nothing.
   */
  Document withVoided(Document doc, Document delta) {
    if (!anyVoided) {
      return delta;
    }
    CausalContext v;
    synchronized (voidLock) {
      if (voided.isEmpty()) {
        return delta;
      }
      v = voided;
      voided = new CausalContext();
      anyVoided = false;
    }
    Document none = Document.of(OrMap.of(new DotMap<>(), v, true));
    delta.join(none);
    doc.join(none);
    return delta;
  }
}
