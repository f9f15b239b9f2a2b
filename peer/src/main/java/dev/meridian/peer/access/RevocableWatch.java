package dev.meridian.peer.access;

import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.Status;

/**
 * A Watch call kept under the access rules while it is open (see {@link
 * AccessControl#interceptor()}): judged again by each new version of the access file and before
 * each change it sends, it ends, with UNAUTHENTICATED (its credential is unknown to the rules) or
 * PERMISSION_DENIED (it lacks read on its prefix), one audit line and one count, as soon as the
 * rules in force stop allowing it; from then on nothing more is sent on it. The service behind it
 * hears of the end as of a client gone away (its listener's {@code onCancel}), so it lets go of
 * the watch.
 *
 * @param <Q> the request type
 * @param <A> the response type
 */
final class RevocableWatch<Q, A> extends ForwardingServerCall.SimpleForwardingServerCall<Q, A> {
  /*
   * Design notes.
   * [1] One monitor guards sending, closing and judging, so a change is either sent before the
   *     watch is ended or not at all, and the call is closed once. gRPC's own calls return at
   *     once (they queue for the transport), so no thread waits on it for long.
   * [2] The rules are compared by identity: AccessControl swaps in a new immutable snapshot on
   *     every change, so "changed since last judged" is one volatile read per change sent.
   */
  private final AccessControl control;
  private final AccessControl.Caller caller;
  private final String method;
  private final String remote;
  private String prefix; // null until the request is allowed
  private AccessRules judgedBy;
  private boolean closed;
  private boolean revoked;

  RevocableWatch(ServerCall<Q, A> call, AccessControl control, AccessControl.Caller caller,
      String remote) {
    super(call);
    this.control = control;
    this.caller = caller;
    this.method = call.getMethodDescriptor().getFullMethodName();
    this.remote = remote;
  }

  /**
   * The request, for {@code prefix}, was allowed by the rules the call was authenticated by: from
   * now on the watch is kept under the rules in force.
   */
  void allowed(String prefix) {
    synchronized (this) {
      if (closed) {
        return;
      }
      this.prefix = prefix;
      this.judgedBy = caller.rules();
    }
    control.opened(this);
    recheck(); // the file may have changed since the call was authenticated
  }

  /**
   * Judges the watch by the rules in force if they changed since it was last judged, and ends it
   * if they do not allow it.
   *
   * @return whether it is still open
   */
  synchronized boolean recheck() {
    if (closed) {
      return false;
    }
    AccessRules now = control.rules();
    if (prefix == null || now == judgedBy) {
      return true;
    }
    judgedBy = now;
    AccessControl.Caller again = AccessControl.resolve(now, caller.credential());
    AccessControl.Refusal r = again.refusal();
    if (r == null) {
      String why = ApiAccess.readUnder(again.principal(), prefix);
      if (why == null) {
        return true;
      }
      r = new AccessControl.Refusal(Status.Code.PERMISSION_DENIED, "not-granted", why);
    }
    String watched = prefix.isEmpty() ? "every key" : "the keys under '" + prefix + "'";
    r = new AccessControl.Refusal(r.code(), r.reason(), "the access file changed, and this watch"
        + " of " + watched + " ends: " + r.message());
    closed = true;
    revoked = true;
    control.ended(this);
    control.refused(method + " (an open watch of " + watched + ")", caller.principal(), remote,
        r);
    super.close(Status.fromCode(r.code()).withDescription(r.message()), new Metadata());
    return false;
  }

  /** Sends {@code message} if the rules in force still allow the watch; else ends it instead. */
  @Override
  public synchronized void sendMessage(A message) {
    if (recheck()) {
      super.sendMessage(message);
    }
  }

  /** Closes the call, unless it was ended already (by the rules, or before). */
  @Override
  public synchronized void close(Status status, Metadata trailers) {
    if (closed) {
      return;
    }
    closed = true;
    control.ended(this);
    super.close(status, trailers);
  }

  private synchronized boolean revoked() {
    return revoked;
  }

  /**
   * The service's {@code listener}, told of an end by the rules as of a cancelled call, and of
   * any end that the watch is dropped from the checked set.
   */
  ServerCall.Listener<Q> listen(ServerCall.Listener<Q> listener) {
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<Q>(listener) {
      @Override
      public void onComplete() {
        control.ended(RevocableWatch.this);
        if (revoked()) {
          super.onCancel(); // the service frees the watch as for a client gone away
        } else {
          super.onComplete();
        }
      }

      @Override
      public void onCancel() {
        control.ended(RevocableWatch.this);
        super.onCancel();
      }
    };
  }
}
