package dev.meridian.transport.grpc;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks the peer's certificate against the allowlist of {@link TlsSettings}, on both ends of a
 * stream: the server refuses a call from a peer not on it (PERMISSION_DENIED) before the engine sees
 * a frame; the client cancels a stream to a server not on it as soon as its headers arrive, before
 * any of its frames is handled. Also records the remote address for the logs.
 */
final class IdentityCheck {
  private static final Logger LOG = LoggerFactory.getLogger(IdentityCheck.class);

  /** The remote address of the current server call. */
  static final Context.Key<String> REMOTE = Context.key("meridian-remote-address");

  private IdentityCheck() {}

  /** The reason {@code session}'s peer is refused, or null if it is allowed. */
  static String refusal(TlsSettings tls, SSLSession session) {
    if (!tls.isSecure() || tls.allowedPeers().isEmpty()) {
      return null;
    }
    if (session == null) {
      return "no TLS session";
    }
    try {
      Certificate[] chain = session.getPeerCertificates();
      if (chain.length > 0 && chain[0] instanceof X509Certificate) {
        X509Certificate cert = (X509Certificate) chain[0];
        return tls.allows(cert) ? null
            : "peer certificate names " + TlsSettings.names(cert) + " are not on the allowlist";
      }
      return "peer presented no X.509 certificate";
    } catch (SSLPeerUnverifiedException e) {
      return "peer presented no certificate";
    }
  }

  /** The server side. */
  static ServerInterceptor server(TlsSettings tls, AtomicLong refused) {
    return new ServerInterceptor() {
      @Override
      public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
          ServerCallHandler<Q, A> next) {
        String remote = String.valueOf(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
        String why = refusal(tls, call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
        if (why != null) {
          refused.incrementAndGet();
          LOG.warn("refused a stream from {}: {}", remote, why);
          call.close(Status.PERMISSION_DENIED.withDescription(why), new Metadata());
          return new ServerCall.Listener<Q>() {};
        }
        return Contexts.interceptCall(Context.current().withValue(REMOTE, remote), call, headers,
            next);
      }
    };
  }

  /** The client side. */
  static ClientInterceptor client(TlsSettings tls, AtomicLong refused) {
    return new ClientInterceptor() {
      @Override
      public <Q, A> ClientCall<Q, A> interceptCall(MethodDescriptor<Q, A> method,
          CallOptions options, Channel next) {
        return new ForwardingClientCall.SimpleForwardingClientCall<Q, A>(
            next.newCall(method, options)) {
          @Override
          public void start(Listener<A> listener, Metadata headers) {
            ClientCall<Q, A> call = this;
            super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<A>(
                listener) {
              private boolean refusedHere;

              @Override
              public void onHeaders(Metadata h) {
                String why = refusal(tls, call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
                if (why != null) {
                  refusedHere = true;
                  refused.incrementAndGet();
                  LOG.warn("refused the server of a stream: {}", why);
                  call.cancel(why, null);
                  return;
                }
                super.onHeaders(h);
              }

              @Override
              public void onMessage(A message) {
                if (!refusedHere) {
                  super.onMessage(message);
                }
              }
            }, headers);
          }
        };
      }
    };
  }
}
