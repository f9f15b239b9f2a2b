package dev.meridian.peer.access;

import dev.meridian.peer.proto.DeleteRequest;
import dev.meridian.peer.proto.DocumentsGrpc;
import dev.meridian.peer.proto.GetRequest;
import dev.meridian.peer.proto.ListRequest;
import dev.meridian.peer.proto.UpdateBatchRequest;
import dev.meridian.peer.proto.UpdateRequest;
import dev.meridian.peer.proto.WatchRequest;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

/**
 * The client API's guard (see {@link AccessControl#interceptor()}): authenticates each call from
 * its metadata and TLS session before the service sees it, and checks each request message against
 * the caller's grants before it is handed on. A refused call is closed at once and its service
 * method never runs, so it changes nothing. A Watch, once allowed, stays under the rules in force
 * ({@link RevocableWatch}).
 */
final class ApiAccess implements ServerInterceptor {
  /** The metadata key of a bearer token. */
  static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private final AccessControl control;

  ApiAccess(AccessControl control) {
    this.control = control;
  }

  @Override
  public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
      ServerCallHandler<Q, A> next) {
    String method = call.getMethodDescriptor().getFullMethodName();
    String remote = String.valueOf(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
    AccessControl.Caller caller = control.authenticate(headers.get(AUTHORIZATION),
        call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
    if (caller.refusal() != null) {
      control.refused(method, null, remote, caller.refusal());
      call.close(Status.fromCode(caller.refusal().code())
          .withDescription(caller.refusal().message()), new Metadata());
      return new ServerCall.Listener<Q>() {};
    }
    Principal who = caller.principal();
    if (!DocumentsGrpc.SERVICE_NAME.equals(call.getMethodDescriptor().getServiceName())) {
      return next.startCall(call, headers);
    }
    String bareMethod = call.getMethodDescriptor().getBareMethodName();
    RevocableWatch<Q, A> watch = bareMethod.equals("Watch")
        ? new RevocableWatch<>(call, control, caller, remote) : null;
    ServerCall.Listener<Q> service = watch == null ? next.startCall(call, headers)
        : watch.listen(next.startCall(watch, headers));
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<Q>(service) {
      private boolean refused;

      @Override
      public void onMessage(Q message) {
        if (refused) {
          return;
        }
        String why = missing(who, bareMethod, message);
        if (why != null) {
          refused = true;
          AccessControl.Refusal r =
              new AccessControl.Refusal(Status.Code.PERMISSION_DENIED, "not-granted", why);
          control.refused(method, who, remote, r);
          (watch == null ? call : watch).close(Status.PERMISSION_DENIED.withDescription(why),
              new Metadata());
          return;
        }
        if (watch != null) {
          watch.allowed(((WatchRequest) message).getPrefix()); // kept under the rules from now
        }
        super.onMessage(message);
      }

      @Override
      public void onHalfClose() {
        if (!refused) {
          super.onHalfClose();
        }
      }
    };
  }

  /**
   * What {@code who} lacks for {@code request} of the Documents method {@code method}, or null if
   * nothing: the rule table of {@link AccessControl#interceptor()}.
   */
  static String missing(Principal who, String method, Object request) {
    switch (method) {
      case "Get":
        return key(who, Role.READ, ((GetRequest) request).getKey());
      case "Update":
        return key(who, Role.WRITE, ((UpdateRequest) request).getKey());
      case "Delete":
        return key(who, Role.WRITE, ((DeleteRequest) request).getKey());
      case "UpdateBatch":
        for (UpdateRequest u : ((UpdateBatchRequest) request).getUpdatesList()) {
          String why = key(who, Role.WRITE, u.getKey());
          if (why != null) {
            return why + "; no update of the batch applies";
          }
        }
        return null;
      case "List":
        return readUnder(who, ((ListRequest) request).getPrefix());
      case "Watch":
        return readUnder(who, ((WatchRequest) request).getPrefix());
      case "Status":
      default:
        return who.allows(Role.ADMIN, "") ? null : who + " may not call " + method
            + " (it needs admin:*; it holds " + who.grantsText() + ")";
    }
  }

  private static String key(Principal who, Role role, String key) {
    return who.allows(role, key) ? null : who + " may not " + role.word() + " '" + key
        + "' (it needs " + role.word() + " on a prefix of that key; it holds "
        + who.grantsText() + ")";
  }

  /** What {@code who} lacks to read every key under {@code prefix} (List, Watch), or null. */
  static String readUnder(Principal who, String prefix) {
    return who.allows(Role.READ, prefix) ? null : who + " may not read "
        + (prefix.isEmpty() ? "every key" : "the keys under '" + prefix + "'")
        + " (it needs read on '" + prefix + "' or a shorter prefix; it holds "
        + who.grantsText() + ")";
  }
}
