package dev.meridian.transport.sync;

import java.util.Objects;

/**
 * Why a session ends: a status code (numbered as gRPC's, so drivers translate one to one) and a
 * reason for the logs of both sides.
 *
 * @param code the status
 * @param reason what happened, for people
 */
public record Refusal(Code code, String reason) {
  /** Status codes used by the protocol (the numbers are gRPC's). */
  public enum Code {
    /** A normal end: shutdown. */
    OK(0),
    /** A malformed frame (bad delta, bad events, frame out of order). */
    INVALID_ARGUMENT(3),
    /** A second stream between the same pair of replicas. */
    ALREADY_EXISTS(6),
    /** The peer is not on the allowlist. */
    PERMISSION_DENIED(7),
    /** A frame over the size limit. */
    RESOURCE_EXHAUSTED(8),
    /** Protocol version or cluster id mismatch, or a replica talking to itself. */
    FAILED_PRECONDITION(9),
    /** Local failure while applying a frame. */
    INTERNAL(13),
    /** The peer went silent or away. */
    UNAVAILABLE(14);

    private final int number;

    Code(int number) {
      this.number = number;
    }

    /** The gRPC status code number. */
    public int number() {
      return number;
    }

    /** The code with that number, or INVALID_ARGUMENT for an unknown one. */
    public static Code of(int number) {
      for (Code c : values()) {
        if (c.number == number) {
          return c;
        }
      }
      return INVALID_ARGUMENT;
    }
  }

  /** Checks for nulls. */
  public Refusal {
    Objects.requireNonNull(code, "code");
    Objects.requireNonNull(reason, "reason");
  }

  /** A refusal with a formatted reason. */
  public static Refusal of(Code code, String format, Object... args) {
    return new Refusal(code, String.format(java.util.Locale.ROOT, format, args));
  }

  @Override
  public String toString() {
    return code + ": " + reason;
  }
}
