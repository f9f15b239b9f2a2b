package dev.meridian.transport.sync;

import dev.meridian.crdt.ReplicaId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.function.Predicate;

/**
 * The addresses a replica dials: configured ones and ones learned from peers' Hellos, each with its
 * replica id once known and its reconnect schedule. Decides whom to dial and when; the driver dials.
 */
final class PeerDirectory {
  /** What is known of one address. */
  static final class Entry {
    final String address;
    final boolean configured;
    ReplicaId replica;
    boolean dialing;
    boolean self;
    int failures;
    long nextDialAt;

    Entry(String address, boolean configured, long nextDialAt) {
      this.address = address;
      this.configured = configured;
      this.nextDialAt = nextDialAt;
    }
  }

  private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>();
  private final Backoff backoff;
  private final String ownAddress;
  private final int capacity;

  PeerDirectory(List<String> configured, String ownAddress, int capacity, Backoff backoff,
      long now) {
    this.backoff = backoff;
    this.ownAddress = ownAddress;
    this.capacity = capacity;
    for (String a : configured) {
      if (!a.equals(ownAddress)) {
        entries.putIfAbsent(a, new Entry(a, true, now));
      }
    }
  }

  /** Adds an address heard from a peer; ignored if known, our own, or the directory is full. */
  void learn(String address, long now) {
    if (address.isEmpty() || address.equals(ownAddress) || entries.containsKey(address)
        || entries.size() >= capacity) {
      return;
    }
    entries.put(address, new Entry(address, false, now));
  }

  /**
   * The addresses to dial now, marked as dialing: not dialing already, due, not ourselves, and not
   * a replica we already hold a session with.
   */
  List<String> due(long now, Predicate<ReplicaId> connected) {
    List<String> out = new ArrayList<>();
    for (Entry e : entries.values()) {
      if (!e.dialing && !e.self && e.nextDialAt <= now
          && (e.replica == null || !connected.test(e.replica))) {
        e.dialing = true;
        out.add(e.address);
      }
    }
    return out;
  }

  /** The earliest time an idle address becomes due, or Long.MAX_VALUE. */
  long nextDue(Predicate<ReplicaId> connected) {
    long t = Long.MAX_VALUE;
    for (Entry e : entries.values()) {
      if (!e.dialing && !e.self && (e.replica == null || !connected.test(e.replica))) {
        t = Math.min(t, e.nextDialAt);
      }
    }
    return t;
  }

  /** A session to {@code address} completed its handshake with {@code replica}. */
  void opened(String address, ReplicaId replica) {
    Entry e = entries.get(address);
    if (e != null) {
      e.replica = replica;
      e.failures = 0;
    }
  }

  /** {@code address} answered with our own replica id: never dial it again. */
  void markSelf(String address) {
    Entry e = entries.get(address);
    if (e != null) {
      e.self = true;
    }
  }

  /**
   * A dial of {@code address} ended: after a session that opened, redial after about the base
   * delay; after a failure, back off further.
   */
  void ended(String address, boolean wasOpen, long now) {
    Entry e = entries.get(address);
    if (e == null) {
      return;
    }
    e.dialing = false;
    e.failures = wasOpen ? 0 : e.failures + 1;
    e.nextDialAt = now + backoff.delay(e.failures);
  }

  /** The addresses known, configured first, at most {@code max}. */
  List<KnownAddress> addresses(int max) {
    List<KnownAddress> out = new ArrayList<>();
    for (Entry e : entries.values()) {
      if (out.size() >= max) {
        break;
      }
      if (!e.self) {
        out.add(new KnownAddress(e.address, e.replica, e.configured, false));
      }
    }
    return out;
  }

  /** Every address known, configured first. */
  List<KnownAddress> snapshot() {
    List<KnownAddress> out = new ArrayList<>(entries.size());
    for (Entry e : entries.values()) {
      out.add(new KnownAddress(e.address, e.replica, e.configured, e.self));
    }
    return out;
  }

  /** The entry for an address, or null (for tests and stats). */
  Entry get(String address) {
    return entries.get(address);
  }
}
