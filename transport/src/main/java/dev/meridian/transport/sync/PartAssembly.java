package dev.meridian.transport.sync;

import com.google.protobuf.ByteString;
import dev.meridian.transport.proto.Delta;
import java.util.ArrayList;
import java.util.List;

/**
 * The receiving side of deltas sent in parts, for one stream direction: collects the slices of
 * one delta until its last part arrives and then hands out the whole blob. Nothing is decoded or
 * joined before that, so a transfer cut off midway changes no state.
 *
 * <p>Bounded: at most one delta in assembly per stream, of at most the maximum document size; the
 * bytes held are those actually received (the declared total is checked, never allocated).
 */
final class PartAssembly {
  /*
   * Design notes.
   * [1] Why whole-blob reassembly and not parts that each join on their own: a causal delta cut
   *     into independently joinable parts must not let a part's context claim an event whose
   *     removals travel in a later part, or a receiver that relays or serves the partial state
   *     (or loses the rest) would report the event as applied and never get its removals: a
   *     silent divergence. Reassembly avoids the question: the receiver joins exactly the
   *     sender's delta, validated as a whole.
   * [2] The rules checked are the proto's: parts of one delta are consecutive (1, 2, ..., n) with
   *     the same key and total; each holds at least one byte; the bytes never exceed the declared
   *     total and the last part completes it exactly (the receiver does not know the sender's part
   *     size, and need not); the total is at most maxDocumentBytes.
   */
  private String key;
  private int parts;
  private int next;
  private long total;
  private long held;
  private final List<ByteString> slices = new ArrayList<>();

  /** True while a delta is partly received. */
  boolean inProgress() {
    return key != null;
  }

  /** Bytes held for the delta in assembly. */
  long bytesHeld() {
    return held;
  }

  /**
   * Takes one part; returns the whole blob when {@code d} is the last one, else null.
   *
   * @param index the delta's position in its batch, for messages
   * @throws BadFrameException if the part breaks the rules of {@code Delta.parts}
   */
  ByteString accept(Delta d, int index, long maxDocumentBytes) throws BadFrameException {
    String k = Frames.abbreviate(d.getKey());
    if (d.getParts() < 2 || d.getPart() < 1 || d.getPart() > d.getParts()) {
      throw Frames.bad("delta %d (key '%s'): part %d of %d is not a valid part number", index, k,
          d.getPart(), d.getParts());
    }
    if (d.getTotalBytes() > maxDocumentBytes) {
      throw new BadFrameException(Refusal.Code.RESOURCE_EXHAUSTED, String.format(
          java.util.Locale.ROOT, "delta %d (key '%s') of %d bytes exceeds the maximum document "
              + "size of %d bytes", index, k, d.getTotalBytes(), maxDocumentBytes));
    }
    if (d.getDelta().isEmpty()) {
      throw Frames.bad("delta %d (key '%s'): part %d is empty", index, k, d.getPart());
    }
    if (d.getPart() == 1) {
      if (inProgress()) {
        throw Frames.bad("delta %d (key '%s'): part 1 while part %d of %d of key '%s' is due",
            index, k, next, parts, Frames.abbreviate(key));
      }
      key = d.getKey();
      parts = d.getParts();
      total = d.getTotalBytes();
      next = 1;
    } else if (!inProgress() || d.getPart() != next || d.getParts() != parts
        || d.getTotalBytes() != total || !d.getKey().equals(key)) {
      throw Frames.bad("delta %d (key '%s'): part %d of %d out of sequence (%s)", index, k,
          d.getPart(), d.getParts(), inProgress()
              ? String.format(java.util.Locale.ROOT, "part %d of %d of key '%s' is due", next,
                  parts, Frames.abbreviate(key))
              : "no delta is in assembly");
    }
    if (held + d.getDelta().size() > total) {
      throw Frames.bad("delta %d (key '%s'): parts exceed the declared %d bytes", index, k, total);
    }
    slices.add(d.getDelta());
    held += d.getDelta().size();
    next++;
    if (d.getPart() < parts) {
      return null;
    }
    if (held != total) {
      throw Frames.bad("delta %d (key '%s'): %d parts hold %d bytes, not the declared %d", index,
          k, parts, held, total);
    }
    ByteString whole = ByteString.copyFrom(slices);
    clear();
    return whole;
  }

  /** Drops a partly received delta (the stream ended). */
  void clear() {
    key = null;
    slices.clear();
    held = 0;
    parts = 0;
    next = 0;
    total = 0;
  }
}
