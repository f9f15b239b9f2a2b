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
import java.util.function.Consumer;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks the peer's certificate on both ends of a replication stream, before the engine sees a
 * frame: a certificate presented for replication must name exactly one site ({@code
 * meridian-peer:<site>}, see {@link TlsSettings#PEER_SCHEME}), which is then the peer's identity
 * (its Hello must name the same site), and must be on the allowlist of {@link TlsSettings} if
 * there is one. Under mutual TLS every peer presents a certificate, so every peer is certified;
 * without a certificate (plaintext, or the dialling side of server-only TLS) a stream is taken
 * unless {@link TlsSettings#requiringPeerCertificates()} asks for one.
 *
 * <p>A refusal is one audit line, one count by kind ("certificate": no site, several sites, a
 * client's certificate, no certificate where one is required; "allowlist": names not on the
 * allowlist), and a reason the other side is told: the server closes the call with
 * PERMISSION_DENIED and the reason; the client has its session say Goodbye with them (or cancels
 * the call, for a caller that is not a session). Also records the remote address for the logs.
 */
final class IdentityCheck {
  /** Refusals go to the audit log, one line each (the logger the peer's access control uses). */
  private static final Logger AUDIT = LoggerFactory.getLogger("meridian.audit");

  /** The kind of a refusal for what the certificate names (or that there is none). */
  static final String CERTIFICATE = "certificate";
  /** The kind of a refusal for a certificate whose names are not on the allowlist. */
  static final String ALLOWLIST = "allowlist";

  /** The remote address of the current server call. */
  static final Context.Key<String> REMOTE = Context.key("meridian-remote-address");
  /** The site the peer's certificate names, for the current server call (null: none). */
  static final Context.Key<String> SITE = Context.key("meridian-peer-site");
  /** Where the client side leaves the site the server's certificate names, for the session. */
  static final CallOptions.Key<java.util.concurrent.atomic.AtomicReference<String>> SITE_OUT =
      CallOptions.Key.create("meridian-peer-site");
  /**
   * Who the client side tells the reason it refused the server dialled (on a gRPC thread), so
   * the session can say Goodbye with it; without one, the call is cancelled.
   */
  static final CallOptions.Key<Consumer<String>> REFUSED_OUT =
      CallOptions.Key.create("meridian-peer-refused");

  private IdentityCheck() {}

  /**
   * What was decided of a peer: its certified site (null: it presented no certificate), or why
   * and under which kind it is refused.
   */
  record Verdict(String site, String refusal, String kind) {
    static Verdict refused(String kind, String why) {
      return new Verdict(null, why, kind);
    }
  }

  /** Judges the peer of {@code session} (null: a stream without TLS) by {@code tls}. */
  static Verdict judge(TlsSettings tls, SSLSession session) {
    X509Certificate cert = leaf(session);
    if (cert == null) {
      if (tls.peerCertificatesRequired()) {
        return Verdict.refused(CERTIFICATE, "replication here needs mutual TLS and a peer "
            + "certificate naming " + TlsSettings.PEER_SCHEME + "<site>; the stream presented "
            + (session == null ? "no TLS session" : "no certificate"));
      }
      if (tls.isSecure() && !tls.allowedPeers().isEmpty()) {
        return Verdict.refused(ALLOWLIST, "replication here takes only peers whose certificate "
            + "is on the allowlist; the stream presented no certificate");
      }
      return new Verdict(null, null, null);
    }
    if (!tls.allows(cert)) {
      return Verdict.refused(ALLOWLIST, "peer certificate names " + TlsSettings.names(cert)
          + " are not on the allowlist");
    }
    try {
      return new Verdict(certifiedSite(cert), null, null);
    } catch (SecurityException e) {
      return Verdict.refused(CERTIFICATE, e.getMessage());
    }
  }

  /**
   * The site a certificate presented for replication names, by the naming scheme (see {@link
   * TlsSettings#PEER_SCHEME}).
   *
   * @throws SecurityException naming why the certificate cannot replicate: it names no site (a
   *     client's, or one without the scheme), more than one, or a site name that is not one
   */
  static String certifiedSite(X509Certificate cert) {
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
      throw new SecurityException("the certificate names no site: a certificate replicates only "
          + "if it carries exactly one URI subject alternative name " + TlsSettings.PEER_SCHEME
          + "<site>, its peer's site (this one names " + TlsSettings.names(cert) + "); issue "
          + "the peer a certificate with that name");
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

  /** The server side: refuses the call before the service sees it. */
  static ServerInterceptor server(TlsSettings tls, RefusalCounts refused) {
    return new ServerInterceptor() {
      @Override
      public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
          ServerCallHandler<Q, A> next) {
        String remote = String.valueOf(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
        Verdict v = judge(tls, call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
        if (v.refusal() != null) {
          refused.add(v.kind());
          AUDIT.warn("refused replication from {}: PERMISSION_DENIED: {}", remote, v.refusal());
          call.close(Status.PERMISSION_DENIED.withDescription(v.refusal()), new Metadata());
          return new ServerCall.Listener<Q>() {};
        }
        return Contexts.interceptCall(Context.current().withValue(REMOTE, remote)
            .withValue(SITE, v.site()), call, headers, next);
      }
    };
  }

  /**
   * The client side: judges the server dialled when its headers arrive (they come before its
   * first frame, and carry the TLS session), and hands on none of its frames if it is refused.
   */
  static ClientInterceptor client(TlsSettings tls, RefusalCounts refused) {
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
                Verdict v = judge(tls, call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
                java.util.concurrent.atomic.AtomicReference<String> out =
                    options.getOption(SITE_OUT);
                if (out != null) {
                  out.set(v.site());
                }
                if (v.refusal() != null) {
                  refusedHere = true;
                  refused.add(v.kind());
                  AUDIT.warn("refused replication with the server dialled: {}", v.refusal());
                  Consumer<String> session = options.getOption(REFUSED_OUT);
                  if (session != null) {
                    session.accept(v.refusal());
                  } else {
                    call.cancel(v.refusal(), null);
                  }
                  return;
                }
                super.onHeaders(h);
              }

              @Override
              public void onMessage(A message) {
                if (!refusedHere) {
                  super.onMessage(message); // a refused server's frames are dropped unread
                }
              }
            }, headers);
          }
        };
      }
    };
  }
}
