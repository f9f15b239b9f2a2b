package dev.meridian.persistence;

import dev.meridian.crdt.doc.KeyedDelta;
import dev.meridian.crdt.Replica;
import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.codec.CrdtCodec;
import dev.meridian.crdt.doc.Document;
import dev.meridian.crdt.doc.LocalWrite;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The write path of a {@link MapDbDocStore}: local writes (crdt-core's local-write rule) and remote
 * deltas are applied to the live document under the key's stripe lock, journalled and added to the
 * overlay; once durable, on the journal's notifier thread, {@link #onDurable} grows the store's
 * context and announces local writes (the store's design notes [3] to [7]).
 */
final class Writes {
  private static final Logger LOG = LoggerFactory.getLogger(Writes.class);

  /** A journal record's attachment: what becomes visible once it is durable. */
  record Written(String key, long end, CausalContext context, Document localDelta) {}

  private final StoreOptions options;
  private final Path dir;
  private final Replica replica;
  private final Journal journal;
  private final View view;
  private final Checkpointer checkpointer;
  private final DocCache cache;
  private final KeyLocks keys;
  private final DotLedger dots;
  private final DocReads reads;
  private final StoreState state;
  private final List<Consumer<KeyedDelta>> subscribers;
  /** Every durable event and every void dot of this replica (the store's notes [3], [5]). */
  private final CausalContext context;

  Writes(StoreOptions options, Replica replica, Journal journal, View view,
      Checkpointer checkpointer, DocCache cache, KeyLocks keys, DotLedger dots, DocReads reads,
      StoreState state, List<Consumer<KeyedDelta>> subscribers, CausalContext context) {
    this.options = options;
    this.dir = options.directory;
    this.replica = replica;
    this.journal = journal;
    this.view = view;
    this.checkpointer = checkpointer;
    this.cache = cache;
    this.keys = keys;
    this.dots = dots;
    this.reads = reads;
    this.state = state;
    this.subscribers = subscribers;
    this.context = context;
  }

  /** {@link DocStore#update}: the local-write rule, journalled; the future completes at the fsync. */
  CompletableFuture<Document> update(String key, Function<Document, Document> mutation) {
    KeyLocks.check(key);
    try {
      state.checkUsable();
      awaitBacklog();
      dots.reserveIfLow();
      synchronized (keys.stripe(key)) {
        DocReads.Live live = reads.live(key);
        Document doc = live.doc();
        boolean cached = live.cached();
        long loadedBytes = live.loadedBytes();
        LocalWrite.Outcome outcome;
        try {
          outcome = LocalWrite.apply(doc, replica, mutation);
        } catch (Error e) {
          cache.invalidate(key);
          throw e;
        }
        if (outcome instanceof LocalWrite.Failed f) {
          cache.invalidate(key); // it may hold part of the changes: disk has the truth
          dots.addVoid(f.voided());
          return CompletableFuture.failedFuture(f.error());
        }
        LocalWrite.Applied a = (LocalWrite.Applied) outcome;
        dots.addVoid(a.voided());
        if (a.events().isEmpty()) {
          return CompletableFuture.completedFuture(Document.empty());
        }
        try {
          dots.reserveIfPast();
          Document delta = dots.withVoided(doc, a.delta());
          byte[] bytes = CrdtCodec.encode(delta);
          Journal.Appended appended = append(key, bytes, delta, true);
          if (cached) {
            cache.grew(key, doc, bytes.length);
          } else {
            cache.put(key, doc, loadedBytes + bytes.length);
          }
          return appended.durable().thenApply(v -> delta);
        } catch (StoreException | RuntimeException e) {
          cache.invalidate(key); // mutated and not journalled
          dots.addVoid(a.events());
          throw e;
        }
      }
    } catch (StoreException | RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** {@link DocStore#applyRemote}: joined first (design note [7]), then journalled. */
  CompletableFuture<Void> applyRemote(String key, Document delta) {
    KeyLocks.check(key);
    try {
      state.checkUsable();
      awaitBacklog();
      synchronized (keys.stripe(key)) {
        DocReads.Live live = reads.live(key);
        Document doc = live.doc();
        boolean cached = live.cached();
        long loadedBytes = live.loadedBytes();
        String conflict = dev.meridian.crdt.store.RecordConflicts.find(doc.map().store(),
            delta.map().store());
        if (conflict != null) {
          // A record held here with other content: joining would silently diverge.
          throw new IllegalArgumentException("refused a delta of " + key + ": " + conflict);
        }
        try {
          doc.join(delta); // design note [7]: refused before it reaches the journal
        } catch (RuntimeException | Error e) {
          cache.invalidate(key);
          throw e;
        }
        byte[] bytes;
        Journal.Appended appended;
        try {
          bytes = CrdtCodec.encode(delta);
          appended = append(key, bytes, delta, false);
        } catch (StoreException | RuntimeException e) {
          cache.invalidate(key);
          throw e;
        }
        if (cached) {
          cache.grew(key, doc, bytes.length);
        } else {
          cache.put(key, doc, loadedBytes + bytes.length);
        }
        return appended.durable();
      }
    } catch (StoreException | RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * Journals a delta and adds it to the overlay; the caller holds the key's stripe. A remote delta
   * is always appended as durable (its future completes at the fsync in either durability mode).
   */
  private Journal.Appended append(String key, byte[] bytes, Document delta, boolean local)
      throws StoreException {
    byte[] record = JournalRecords.delta(replica.clock().last(), key, bytes);
    CausalContext deltaContext = delta.context();
    boolean durable = !local || options.durability == Durability.DURABLE;
    view.lock.readLock().lock();
    try {
      Document announced = local ? delta : null;
      Journal.Appended a = journal.append(record, durable,
          end -> new Written(key, end, deltaContext, announced));
      view.add(key, a.position(), bytes, View.newest(deltaContext));
      keys.written(key, a.end());
      if (checkpointer.due(a.end())) {
        checkpointer.nudge();
      }
      return a;
    } finally {
      view.lock.readLock().unlock();
    }
  }

  /** On the journal's notifier thread, once records are durable (design note [3]). */
  void onDurable(List<Object> attachments) {
    synchronized (context) {
      for (Object o : attachments) {
        if (o instanceof Written w) {
          context.addAll(w.context());
        }
      }
    }
    for (Object o : attachments) {
      if (o instanceof Written w) {
        keys.durable(w.key(), w.end());
        if (w.localDelta() != null && !subscribers.isEmpty()) {
          KeyedDelta k = KeyedDelta.of(w.key(), w.localDelta());
          for (Consumer<KeyedDelta> s : subscribers) {
            try {
              s.accept(k);
            } catch (RuntimeException e) {
              LOG.error("a subscriber to the writes of {} failed", dir, e);
            }
          }
        }
      }
    }
  }

  private void awaitBacklog() throws StoreException {
    try {
      view.awaitBacklog(options.maxBacklogBytes, checkpointer::nudge, () -> {
        if (!state.usable()) {
          throw new IllegalStateException("the store " + dir + " cannot take writes");
        }
      });
    } catch (IllegalStateException e) {
      state.checkUsable();
      throw e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException(StoreException.Reason.FAILED, dir, "interrupted", e);
    }
  }
}
