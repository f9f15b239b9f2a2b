package dev.meridian.transport.grpc;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Streams refused by the transport for their peer's certificate (before the engine saw them),
 * counted by kind; shared by a node's server and the channels it dials, so thread-safe.
 */
final class RefusalCounts {
  private final ConcurrentHashMap<String, AtomicLong> byKind = new ConcurrentHashMap<>();

  /** Counts one refusal of {@code kind}. */
  void add(String kind) {
    byKind.computeIfAbsent(kind, k -> new AtomicLong()).incrementAndGet();
  }

  /** Refusals of every kind so far. */
  long total() {
    long n = 0;
    for (AtomicLong c : byKind.values()) {
      n += c.get();
    }
    return n;
  }

  /** Refusals so far by kind, in kind order (kinds without a refusal left out). */
  Map<String, Long> byKind() {
    Map<String, Long> out = new TreeMap<>();
    byKind.forEach((k, v) -> out.put(k, v.get()));
    return out;
  }
}
