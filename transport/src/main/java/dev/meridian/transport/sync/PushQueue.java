package dev.meridian.transport.sync;

import java.util.ArrayDeque;

/**
 * Deltas waiting to be pushed to one peer, bounded in bytes. A delta that does not fit is refused
 * (the caller leaves it to catch-up), so a slow peer costs at most the bound however fast the
 * writes come. The head waits up to the push delay for others to share its batch.
 */
final class PushQueue {
  private final ArrayDeque<OutDelta> queue = new ArrayDeque<>();
  private long bytes;
  private long oldestAt;

  /** Adds {@code d} unless that would exceed {@code maxBytes}; returns whether it was added. */
  boolean offer(OutDelta d, long now, long maxBytes) {
    int w = d.weight();
    if (!queue.isEmpty() && bytes + w > maxBytes) {
      return false;
    }
    if (queue.isEmpty()) {
      oldestAt = now;
    }
    queue.addLast(d);
    bytes += w;
    return true;
  }

  /** True if a batch should go now: the head has waited long enough, or a batch is full. */
  boolean ready(long now, long delay, int batchBytes, int batchDeltas) {
    return !queue.isEmpty()
        && (now - oldestAt >= delay || bytes >= batchBytes || queue.size() >= batchDeltas);
  }

  /** When the head's wait ends, or Long.MAX_VALUE if empty. */
  long deadline(long delay) {
    return queue.isEmpty() ? Long.MAX_VALUE : oldestAt + delay;
  }

  OutDelta peek() {
    return queue.peekFirst();
  }

  OutDelta poll() {
    OutDelta d = queue.pollFirst();
    if (d != null) {
      bytes -= d.weight();
    }
    return d;
  }

  boolean isEmpty() {
    return queue.isEmpty();
  }

  long bytes() {
    return bytes;
  }

  void clear() {
    queue.clear();
    bytes = 0;
  }
}
