package dev.meridian.crdt.store;

import dev.meridian.crdt.ReplicaId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Finds the run holding an element id, for every run of a {@link DotSeq} (integrated or waiting).
 * Runs of one replica never overlap, so a run is keyed by its replica and first counter. Small
 * indexes (a delta's) are one sorted array; larger ones hold per replica a list of sorted chunks, so
 * lookups are O(log n) and an insertion moves at most one chunk. Package-private, single writer.
 */
final class SeqIndex {
  private static final int FLAT_MAX = 16;
  private static final int CHUNK = 128;

  /** Small mode: every run, sorted by replica then start. Null in large mode. */
  private SeqRun[] flat = new SeqRun[2];
  private int flatN;
  /** Large mode: one chunk list per replica. */
  private ReplicaId[] reps;
  private Chunks[] per;
  private int repN;
  private int size;

  int size() {
    return size;
  }

  /** The run holding element {@code (r, c)}, or null. */
  SeqRun find(ReplicaId r, long c) {
    if (flat != null) {
      for (int i = 0; i < flatN; i++) {
        if (flat[i].contains(r, c)) {
          return flat[i];
        }
      }
      return null;
    }
    Chunks ch = chunks(r);
    return ch == null ? null : ch.find(c);
  }

  /** The run of replica {@code r} with the smallest start {@code >= c}, or null. */
  SeqRun ceiling(ReplicaId r, long c) {
    if (flat != null) {
      SeqRun best = null;
      for (int i = 0; i < flatN; i++) {
        SeqRun x = flat[i];
        if (x.replica.equals(r) && x.start >= c && (best == null || x.start < best.start)) {
          best = x;
        }
      }
      return best;
    }
    Chunks ch = chunks(r);
    return ch == null ? null : ch.ceiling(c);
  }

  void put(SeqRun run) {
    size++;
    if (flat != null) {
      if (flatN < FLAT_MAX) {
        if (flatN == flat.length) {
          flat = Arrays.copyOf(flat, flat.length * 2);
        }
        flat[flatN++] = run;
        return;
      }
      toLarge();
    }
    Chunks ch = chunks(run.replica);
    if (ch == null) {
      if (reps == null) {
        reps = new ReplicaId[4];
        per = new Chunks[4];
      } else if (repN == reps.length) {
        reps = Arrays.copyOf(reps, repN * 2);
        per = Arrays.copyOf(per, repN * 2);
      }
      ch = new Chunks();
      reps[repN] = run.replica;
      per[repN++] = ch;
    }
    ch.put(run);
  }

  /** Removes {@code run}, keyed by its current start (call before changing the start). */
  void remove(SeqRun run) {
    size--;
    if (flat != null) {
      for (int i = 0; i < flatN; i++) {
        if (flat[i] == run) {
          flat[i] = flat[--flatN];
          flat[flatN] = null;
          return;
        }
      }
      throw new IllegalStateException("run not indexed");
    }
    chunks(run.replica).remove(run);
  }

  /** Every run, sorted by replica id then start. */
  List<SeqRun> sorted() {
    List<SeqRun> out = new ArrayList<>(size);
    if (flat != null) {
      out.addAll(Arrays.asList(flat).subList(0, flatN));
      out.sort((a, b) -> {
        int c = a.replica.compareTo(b.replica);
        return c != 0 ? c : Long.compare(a.start, b.start);
      });
      return out;
    }
    Integer[] order = new Integer[repN];
    for (int i = 0; i < repN; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> reps[a].compareTo(reps[b]));
    for (int i : order) {
      per[i].addTo(out);
    }
    return out;
  }

  private void toLarge() {
    SeqRun[] all = Arrays.copyOf(flat, flatN);
    flat = null;
    flatN = 0;
    size -= all.length + 1;
    for (SeqRun r : all) {
      put(r);
    }
    size++;
  }

  private Chunks chunks(ReplicaId r) {
    for (int i = 0; i < repN; i++) {
      if (reps[i].equals(r)) {
        return per[i];
      }
    }
    return null;
  }

  /** The runs of one replica: sorted chunks of runs by start. */
  private static final class Chunks {
    SeqRun[][] chunks = new SeqRun[4][];
    int[] sizes = new int[4];
    int n;

    /** The last chunk whose first start is {@code <= c}, or -1. */
    private int chunkFor(long c) {
      int lo = 0;
      int hi = n - 1;
      while (lo <= hi) {
        int mid = (lo + hi) >>> 1;
        if (chunks[mid][0].start <= c) {
          lo = mid + 1;
        } else {
          hi = mid - 1;
        }
      }
      return hi;
    }

    /** In chunk k, the index of the last run whose start is {@code <= c}, or -1. */
    private int slotFor(int k, long c) {
      SeqRun[] a = chunks[k];
      int lo = 0;
      int hi = sizes[k] - 1;
      while (lo <= hi) {
        int mid = (lo + hi) >>> 1;
        if (a[mid].start <= c) {
          lo = mid + 1;
        } else {
          hi = mid - 1;
        }
      }
      return hi;
    }

    SeqRun find(long c) {
      int k = chunkFor(c);
      if (k < 0) {
        return null;
      }
      SeqRun r = chunks[k][slotFor(k, c)];
      return c < r.start + r.len ? r : null;
    }

    SeqRun ceiling(long c) {
      int k = chunkFor(c);
      if (k < 0) {
        return n == 0 ? null : chunks[0][0];
      }
      int s = slotFor(k, c);
      if (chunks[k][s].start == c) {
        return chunks[k][s];
      }
      if (s + 1 < sizes[k]) {
        return chunks[k][s + 1];
      }
      return k + 1 < n ? chunks[k + 1][0] : null;
    }

    void put(SeqRun run) {
      if (n == 0) {
        chunks[0] = new SeqRun[8];
        chunks[0][0] = run;
        sizes[0] = 1;
        n = 1;
        return;
      }
      int k = Math.max(0, chunkFor(run.start));
      int s = slotFor(k, run.start) + 1;
      if (sizes[k] == CHUNK) {
        splitChunk(k);
        if (s > sizes[k]) {
          s -= sizes[k];
          k++;
        }
      }
      SeqRun[] a = chunks[k];
      if (sizes[k] == a.length) {
        a = Arrays.copyOf(a, Math.min(CHUNK, a.length * 2));
        chunks[k] = a;
      }
      System.arraycopy(a, s, a, s + 1, sizes[k] - s);
      a[s] = run;
      sizes[k]++;
    }

    private void splitChunk(int k) {
      if (n == chunks.length) {
        chunks = Arrays.copyOf(chunks, n * 2);
        sizes = Arrays.copyOf(sizes, n * 2);
      }
      System.arraycopy(chunks, k + 1, chunks, k + 2, n - k - 1);
      System.arraycopy(sizes, k + 1, sizes, k + 2, n - k - 1);
      int half = CHUNK / 2;
      SeqRun[] right = new SeqRun[CHUNK];
      System.arraycopy(chunks[k], half, right, 0, CHUNK - half);
      Arrays.fill(chunks[k], half, CHUNK, null);
      chunks[k + 1] = right;
      sizes[k + 1] = CHUNK - half;
      sizes[k] = half;
      n++;
    }

    void remove(SeqRun run) {
      int k = chunkFor(run.start);
      int s = k < 0 ? -1 : slotFor(k, run.start);
      if (s < 0 || chunks[k][s] != run) {
        throw new IllegalStateException("run not indexed");
      }
      SeqRun[] a = chunks[k];
      System.arraycopy(a, s + 1, a, s, sizes[k] - s - 1);
      a[--sizes[k]] = null;
      if (sizes[k] == 0) {
        System.arraycopy(chunks, k + 1, chunks, k, n - k - 1);
        System.arraycopy(sizes, k + 1, sizes, k, n - k - 1);
        n--;
        chunks[n] = null;
      }
    }

    void addTo(List<SeqRun> out) {
      for (int k = 0; k < n; k++) {
        out.addAll(Arrays.asList(chunks[k]).subList(0, sizes[k]));
      }
    }
  }
}
