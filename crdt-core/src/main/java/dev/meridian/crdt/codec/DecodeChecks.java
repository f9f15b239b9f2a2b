package dev.meridian.crdt.codec;

import com.google.errorprone.annotations.FormatMethod;
import com.google.protobuf.UnknownFieldSet;
import dev.meridian.crdt.codec.CodecException.Reason;
import java.util.List;

/**
 * The checks every part of the decoder refuses bad input with: each throws one {@link
 * CodecException} of reason {@link Reason#INVALID} with a formatted message, and the helpers
 * shared by the parts (unknown fields, zigzag integers).
 */
final class DecodeChecks {
  /*
   * The fixed-arity overloads of require exist for the per-leaf and per-dot checks: the varargs
   * form allocates its array, and boxes primitive arguments, on every call even when the check
   * passes. All format the same message the varargs form would.
   */

  private DecodeChecks() {}

  static void require(boolean ok, String message) throws CodecException {
    if (!ok) {
      throw new CodecException(Reason.INVALID, message);
    }
  }

  @FormatMethod
  static void require(boolean ok, String format, long arg) throws CodecException {
    if (!ok) {
      throw new CodecException(Reason.INVALID, String.format(format, arg));
    }
  }

  @FormatMethod
  static void require(boolean ok, String format, long arg1, long arg2) throws CodecException {
    if (!ok) {
      throw new CodecException(Reason.INVALID, String.format(format, arg1, arg2));
    }
  }

  @FormatMethod
  static void require(boolean ok, String format, Object arg) throws CodecException {
    if (!ok) {
      throw new CodecException(Reason.INVALID, String.format(format, arg));
    }
  }

  @FormatMethod
  static void require(boolean ok, String format, Object... args) throws CodecException {
    if (!ok) {
      throw new CodecException(Reason.INVALID, String.format(format, args));
    }
  }

  /**
   * True if a message has no unknown fields. Same as {@code fields.asMap().isEmpty()}, but asMap
   * clones the field set's TreeMap on every call, and this runs for every leaf and entry.
   */
  static boolean noUnknownFields(UnknownFieldSet fields) {
    return UnknownFieldSet.getDefaultInstance().equals(fields);
  }

  /** The signed value of a zigzag-encoded integer. */
  static long unzigzag(long z) {
    return (z >>> 1) ^ -(z & 1);
  }

  /**
   * A forward reader over a packed repeated integer field (crdt.proto's columns): each value is
   * read once, in order, and a read past the end is refused as invalid input.
   */
  static final class LongCursor {
    private final List<Long> values;
    private int at;

    LongCursor(List<Long> values) {
      this.values = values;
    }

    boolean hasNext() {
      return at < values.size();
    }

    /** The number of values not read yet. */
    int remaining() {
      return values.size() - at;
    }

    /** The next value; the caller has checked {@link #remaining()}. */
    long next() {
      return values.get(at++);
    }

    /** The next value, or a {@link CodecException} saying {@code truncated} at the end. */
    long next(String truncated) throws CodecException {
      require(at < values.size(), truncated);
      return values.get(at++);
    }
  }
}
