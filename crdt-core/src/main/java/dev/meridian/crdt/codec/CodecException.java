package dev.meridian.crdt.codec;

/**
 * Bytes that do not decode to a valid state: the only exception a decoder throws. A failed decode
 * returns nothing and changes nothing.
 */
public final class CodecException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Why decoding failed. */
  public enum Reason {
    /** The blob is empty or carries a format version this code does not read. */
    UNSUPPORTED_VERSION,
    /** The bytes are not a well-formed protobuf message of the expected shape. */
    MALFORMED,
    /** Well-formed, but violates an invariant (bad index, dot outside the context, wrong order...). */
    INVALID,
    /** The blob holds a different type than the one asked for. */
    WRONG_TYPE
  }

  private final Reason reason;

  /** An exception with a reason and a message saying what is wrong and where. */
  public CodecException(Reason reason, String message) {
    super(reason + ": " + message);
    this.reason = reason;
  }

  /** The same, with the low-level cause. */
  public CodecException(Reason reason, String message, Throwable cause) {
    super(reason + ": " + message, cause);
    this.reason = reason;
  }

  /** Why decoding failed. */
  public Reason reason() {
    return reason;
  }
}
