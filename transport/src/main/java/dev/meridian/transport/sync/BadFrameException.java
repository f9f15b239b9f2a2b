package dev.meridian.transport.sync;

/** A frame that must be refused; carries the refusal. Internal to frame validation. */
final class BadFrameException extends Exception {
  private static final long serialVersionUID = 1L;

  private final transient Refusal refusal;
  private final String kind;

  BadFrameException(Refusal.Code code, String reason) {
    this(code, reason, "frame");
  }

  /** A refusal counted under {@code kind} (see {@link Replicator#refusalsByKind()}). */
  BadFrameException(Refusal.Code code, String reason, String kind) {
    super(reason, null, false, false);
    this.refusal = new Refusal(code, reason);
    this.kind = kind;
  }

  Refusal refusal() {
    return refusal;
  }

  /** The metric this refusal counts under. */
  String kind() {
    return kind;
  }
}
