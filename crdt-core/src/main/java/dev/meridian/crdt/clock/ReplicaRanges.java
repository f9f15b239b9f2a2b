package dev.meridian.crdt.clock;

import dev.meridian.crdt.ReplicaId;
import java.util.Arrays;
import java.util.HashMap;
import java.util.function.BiConsumer;

/**
 * The per-replica ranges of a {@link CausalContext}: a small map from replica to {@link
 * DotRanges}. Contexts hold few replicas (a delta usually one), so the first entry sits in fields,
 * the others in two parallel arrays searched linearly, with a hash index past {@link #INDEX_FROM}
 * replicas: a one-replica context costs no array and no hash table. Package-private, single
 * writer.
 */
final class ReplicaRanges {
  static final int INDEX_FROM = 8;

  private ReplicaId key0;
  private DotRanges value0;
  /** Entries 1.. (entry i at i - 1); null until a second replica arrives. */
  private ReplicaId[] keys;
  private DotRanges[] values;
  private int size;
  private HashMap<ReplicaId, Integer> index;

  int size() {
    return size;
  }

  boolean isEmpty() {
    return size == 0;
  }

  ReplicaId key(int i) {
    return i == 0 ? key0 : keys[i - 1];
  }

  DotRanges value(int i) {
    return i == 0 ? value0 : values[i - 1];
  }

  private int find(ReplicaId r) {
    if (size == 0) {
      return -1;
    }
    if (key0.equals(r)) {
      return 0;
    }
    if (index != null) {
      Integer i = index.get(r);
      return i == null ? -1 : i;
    }
    for (int i = 1; i < size; i++) {
      if (keys[i - 1].equals(r)) {
        return i;
      }
    }
    return -1;
  }

  DotRanges get(ReplicaId r) {
    int i = find(r);
    return i < 0 ? null : value(i);
  }

  /** Adds an entry for a replica that has none. */
  void put(ReplicaId r, DotRanges d) {
    if (size == 0) {
      key0 = r;
      value0 = d;
      size = 1;
      return;
    }
    if (keys == null) {
      keys = new ReplicaId[2];
      values = new DotRanges[2];
    } else if (size - 1 == keys.length) {
      keys = Arrays.copyOf(keys, keys.length * 2);
      values = Arrays.copyOf(values, values.length * 2);
    }
    keys[size - 1] = r;
    values[size - 1] = d;
    if (index != null) {
      index.put(r, size);
    } else if (size + 1 > INDEX_FROM) {
      index = new HashMap<>(size * 2 + 2);
      for (int i = 1; i < size; i++) {
        index.put(keys[i - 1], i);
      }
      index.put(r, size);
    }
    size++;
  }

  /** The replica's ranges, created empty if absent. */
  DotRanges getOrCreate(ReplicaId r) {
    int i = find(r);
    if (i >= 0) {
      return value(i);
    }
    DotRanges d = new DotRanges();
    put(r, d);
    return d;
  }

  void forEach(BiConsumer<ReplicaId, DotRanges> visitor) {
    for (int i = 0; i < size; i++) {
      visitor.accept(key(i), value(i));
    }
  }

  /** Entry indexes in ascending replica order. */
  int[] sortedOrder() {
    Integer[] order = new Integer[size];
    for (int i = 0; i < size; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> key(a).compareTo(key(b)));
    int[] out = new int[size];
    for (int i = 0; i < size; i++) {
      out[i] = order[i];
    }
    return out;
  }

  ReplicaRanges copy() {
    ReplicaRanges c = new ReplicaRanges();
    for (int i = 0; i < size; i++) {
      c.put(key(i), value(i).copy());
    }
    return c;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof ReplicaRanges other) || other.size != size) {
      return false;
    }
    for (int i = 0; i < size; i++) {
      DotRanges mine = value(i);
      DotRanges theirs = other.get(key(i)); // the same replica's ranges there
      if (!mine.equals(theirs)) {
        return false;
      }
    }
    return true;
  }

  @Override
  public int hashCode() {
    int h = 0;
    for (int i = 0; i < size; i++) {
      h += key(i).hashCode() ^ value(i).hashCode();
    }
    return h;
  }
}
