package dev.meridian.transport.sync;

/** A frame that must be refused; carries the refusal. Internal to frame validation. */
final class BadFrameException extends Exception {
  private static final long serialVersionUID = 1L;

  private final transient Refusal refusal;

  BadFrameException(Refusal.Code code, String reason) {
    super(reason, null, false, false);
    this.refusal = new Refusal(code, reason);
  }

  Refusal refusal() {
    return refusal;
  }
}
