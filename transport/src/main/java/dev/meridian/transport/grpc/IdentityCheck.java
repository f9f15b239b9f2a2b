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
  /** Refusals go to the audit log, one line each (the logger the peer's access control uses). */
  private static final Logger AUDIT = LoggerFactory.getLogger("meridian.audit");

  /** The remote address of the current server call. */
  static final Context.Key<String> REMOTE = Context.key("meridian-remote-address");
  /** The site the peer's certificate names, for the current server call (null: none). */
  static final Context.Key<String> SITE = Context.key("meridian-peer-site");
  /** Where the client side leaves the site the server's certificate names, for the session. */
  static final CallOptions.Key<java.util.concurrent.atomic.AtomicReference<String>> SITE_OUT =
      CallOptions.Key.create("meridian-peer-site");

  /**
   * What the peer of {@code session} is, by the naming scheme (see {@link
   * TlsSettings#PEER_SCHEME}): its site, or null if its certificate names none.
   *
   * @throws SecurityException naming why the certificate cannot replicate: it names more than
   *     one site, or a client and no site
   */
  static String certifiedSite(SSLSession session) {
    X509Certificate cert = leaf(session);
    if (cert == null) {
      return null;
    }
    TlsSettings.Identity id = TlsSettings.identity(cert);
    if (id.sites().size() > 1) {
      throw new SecurityException("the peer certificate names " + id.sites().size()
          + " sites (" + id.sites() + "); a peer certificate names one");
    }
    if (id.sites().isEmpty() && !id.clients().isEmpty()) {
      throw new SecurityException("the certificate names client '" + id.clients().get(0)
          + "' (" + TlsSettings.CLIENT_SCHEME + "), not a peer: client certificates cannot "
          + "replicate");
    }
    if (id.sites().isEmpty()) {
      return null;
    }
    String site = id.sites().get(0);
    if (!dev.meridian.transport.sync.SyncConfig.SITE.matcher(site).matches()) {
      throw new SecurityException("the peer certificate names site '" + site
          + "', which is not 1 to 64 of A-Z a-z 0-9 . _ -");
    }
    return site;
  }

  private static X509Certificate leaf(SSLSession session) {
    if (session == null) {
      return null;
    }
    try {
      Certificate[] chain = session.getPeerCertificates();
      return chain.length > 0 && chain[0] instanceof X509Certificate
          ? (X509Certificate) chain[0] : null;
    } catch (SSLPeerUnverifiedException e) {
      return null;
    }
  }

  /** {@link #refusal}, or the reason the certificate cannot replicate; else null. */
  private static String refusalOrIdentity(TlsSettings tls, SSLSession session,
      String[] siteOut) {
    String why = refusal(tls, session);
    if (why != null) {
      return why;
    }
    try {
      siteOut[0] = certifiedSite(session);
    } catch (SecurityException e) {
      return e.getMessage();
    }
    if (siteOut[0] == null && tls.peerCertificatesRequired()) {
      return session == null || leaf(session) == null
          ? "replication here needs mutual TLS and a peer certificate naming "
              + TlsSettings.PEER_SCHEME + "<site>; the stream presented none"
          : "replication here needs a peer certificate naming " + TlsSettings.PEER_SCHEME
              + "<site>; the certificate names " + TlsSettings.names(leaf(session));
    }
    return null;
  }

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
        String[] site = new String[1];
        String why = refusalOrIdentity(tls,
            call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION), site);
        if (why != null) {
          refused.incrementAndGet();
          AUDIT.warn("refused replication from {}: PERMISSION_DENIED: {}", remote, why);
          call.close(Status.PERMISSION_DENIED.withDescription(why), new Metadata());
          return new ServerCall.Listener<Q>() {};
        }
        return Contexts.interceptCall(Context.current().withValue(REMOTE, remote)
            .withValue(SITE, site[0]), call, headers, next);
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
                String[] site = new String[1];
                String why = refusalOrIdentity(tls,
                    call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION), site);
                java.util.concurrent.atomic.AtomicReference<String> out =
                    options.getOption(SITE_OUT);
                if (out != null) {
                  out.set(site[0]);
                }
                if (why != null) {
                  refusedHere = true;
                  refused.incrementAndGet();
                  AUDIT.warn("refused replication with the server dialled: {}", why);
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
