package dev.meridian.persistence;

import dev.meridian.crdt.doc.KeyedDelta;
import dev.meridian.crdt.ReplicaId;
import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.doc.Document;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.TreeSet;
import java.util.function.BiFunction;

/**
 * The sync query, in bounded memory: every document holding an event outside {@code remote}.
 * First the documents whose overlay records (changed since the last checkpoint; a bounded set)
 * hold such an event, then per replica r the dot index from the first counter of r that {@code
 * remote} lacks, skipping the documents of the first pass.
 *
 * <p>The dot index holds each document's newest dot per replica (MapDbFile [1]), so the scan for
 * r visits the documents r wrote to since that counter: O(missing) when contexts are one range
 * per replica, which the store keeps them (void dots are published, MapDbDocStore [5]). A
 * document found under several replicas is returned under the first (checked against its indexed
 * newest dots), unless a checkpoint switched the view meanwhile, when a duplicate is preferred to
 * a miss. Owned by one thread (the caller's).
 */
final class SyncQuery implements CloseableIterator<KeyedDelta> {
  private static final int BATCH = 256;
  private final View view;
  private final BiFunction<String, CausalContext, Document> deltaFor;
  private final CausalContext remote;
  private final Map<ReplicaId, Long> starts = new HashMap<>();
  private final List<ReplicaId> replicas = new ArrayList<>();
  private final java.util.NavigableSet<String> overlayKeys;
  /** Overlay documents the overlay pass made candidates (at most the overlay's size). */
  private final java.util.Set<String> overlayReturned = new java.util.HashSet<>();
  private final Iterator<String> overlayIt;
  private final int startGeneration;
  private final ArrayDeque<String> candidates = new ArrayDeque<>();
  private int replicaIndex;
  private long cursorCounter;
  private String cursorKey;
  private boolean replicaDone;
  private KeyedDelta next;
  private long loaded;

  /**
   * @param deltaFor the delta of a document for {@code remote} (read under its lock, durable
   *     state only), or null if it holds nothing outside it
   * @param replicas the replicas of the store context
   */
  SyncQuery(View view, CausalContext remote, Collection<ReplicaId> replicas,
      BiFunction<String, CausalContext, Document> deltaFor) {
    this.view = view;
    this.remote = remote;
    this.deltaFor = deltaFor;
    remote.forEachRange((r, lo, hi) -> starts.putIfAbsent(r, lo == 1 ? hi + 1 : 1));
    view.lock.readLock().lock();
    try {
      overlayKeys = view.overlayKeys();
      startGeneration = view.generation();
    } finally {
      view.lock.readLock().unlock();
    }
    TreeSet<ReplicaId> rs = new TreeSet<>((a, b) -> Long.compare(a.value(), b.value()));
    rs.addAll(replicas);
    this.replicas.addAll(rs);
    overlayIt = overlayKeys.iterator();
    startReplica();
  }

  /** Documents read so far (returned or filtered out), for tests and benchmarks. */
  long documentsLoaded() {
    return loaded;
  }

  private long start(ReplicaId r) {
    return starts.getOrDefault(r, 1L);
  }

  private void startReplica() {
    if (replicaIndex < replicas.size()) {
      cursorCounter = start(replicas.get(replicaIndex));
      cursorKey = null;
      replicaDone = false;
    }
  }

  @Override
  public boolean hasNext() {
    while (next == null) {
      String key = nextCandidate();
      if (key == null) {
        return false;
      }
      loaded++;
      Document delta = deltaFor.apply(key, remote);
      if (delta != null) {
        next = KeyedDelta.of(key, delta);
      }
    }
    return true;
  }

  private String nextCandidate() {
    while (overlayIt.hasNext()) {
      String key = overlayIt.next();
      if (overlayMayHold(key)) {
        return key;
      }
    }
    while (candidates.isEmpty()) {
      if (replicaIndex >= replicas.size()) {
        return null;
      }
      if (replicaDone) {
        replicaIndex++;
        startReplica();
        continue;
      }
      fetchBatch();
    }
    return candidates.poll();
  }

  private void fetchBatch() {
    ReplicaId r = replicas.get(replicaIndex);
    view.lock.readLock().lock();
    try {
      MapDbFile f = view.currentFile();
      boolean sameView = view.generation() == startGeneration;
      List<Object[]> batch = f.dotsFrom(r.value(), cursorCounter, cursorKey, BATCH);
      if (batch.size() < BATCH) {
        replicaDone = true;
      }
      for (Object[] e : batch) {
        cursorCounter = (Long) e[1];
        cursorKey = (String) e[2];
        String key = cursorKey;
        if (overlayReturned.contains(key)) {
          continue; // a candidate of the overlay pass already
        }
        if (sameView && replicaIndex > 0 && foundEarlier(f, key)) {
          continue;
        }
        candidates.add(key);
      }
    } finally {
      view.lock.readLock().unlock();
    }
  }

  /**
   * Whether an overlay document's overlay records hold a dot of some replica r at or above the
   * first counter of r that remote lacks. One whose file part alone holds such a dot is found by
   * the index scan like any other document.
   */
  private boolean overlayMayHold(String key) {
    if (view.overlayReaches(key, r -> start(ReplicaId.of(r)))) {
      overlayReturned.add(key);
      return true;
    }
    return false;
  }

  private boolean foundEarlier(MapDbFile f, String key) {
    Map<ReplicaId, Long> newest = f.newest(key);
    if (newest == null) {
      return false;
    }
    for (int j = 0; j < replicaIndex; j++) {
      ReplicaId rj = replicas.get(j);
      if (newest.getOrDefault(rj, 0L) >= start(rj)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public KeyedDelta next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    KeyedDelta out = next;
    next = null;
    return out;
  }

  @Override
  public void close() {
    candidates.clear();
    replicaIndex = replicas.size();
    while (overlayIt.hasNext()) {
      overlayIt.next();
    }
  }
}
