package dev.meridian.transport.grpc;

import io.grpc.ServerCredentials;
import io.grpc.internal.ObjectPool;
import io.grpc.netty.shaded.io.grpc.netty.GrpcHttp2ConnectionHandler;
import io.grpc.netty.shaded.io.grpc.netty.InternalNettyServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiator;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandler;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.handler.ssl.NotSslRecordException;
import io.grpc.netty.shaded.io.netty.handler.ssl.OpenSslSessionContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslHandler;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslHandshakeTimeoutException;
import io.grpc.netty.shaded.io.netty.internal.tcnative.SSL;
import io.grpc.netty.shaded.io.netty.util.AsciiString;
import java.net.SocketAddress;
import java.nio.channels.ClosedChannelException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.util.Locale;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLEngine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a replica's server does around each TLS handshake, beyond gRPC's own: it lets no client
 * resume an earlier session, so every connection's certificate is judged by the CAs in force when
 * it connects; and it audits each handshake it refuses, with one WARN line on the {@code
 * meridian.audit} logger naming the remote address and why in our words (its certificate is not
 * of a CA this peer trusts, has expired, it presented none, it does not speak TLS, it refused
 * ours), never a secret, and one count. A connection closed before it sent anything of a handshake
 * (a port probe, a load balancer's TCP check) is not a refusal: logged at DEBUG only.
 */
final class ServerHandshakes {
  /*
   * Design notes.
   * [1] gRPC builds the server's SSLEngine without the peer's address, so the trust manager
   *     cannot name it; the Netty channel can. This wraps gRPC's TLS negotiator: the handler it
   *     puts first on each connection finds the SslHandler that negotiator adds (by the first
   *     bytes read at the latest, so before the ClientHello is handled), listens to its
   *     handshake, and leaves the pipeline.
   * [2] The Internal* classes are gRPC's published hooks for this; they are the only way to see
   *     a connection before gRPC has a transport for it. Pinned by the gRPC version in the pom.
   * [3] No resumption: a resumed TLS session skips the certificate check, so a client whose CA
   *     was removed from the bundle since would still come in, on a ticket of the old session.
   *     BoringSSL (netty-tcnative) issues TLS 1.3 tickets, and takes them, unless
   *     SSL_OP_NO_TICKET is set on the connection; its session-id cache is turned off on the
   *     context. gRPC connections live long, so a full handshake each costs little. The JDK's
   *     engine, which gRPC uses only where netty-tcnative is missing, is left resuming (it has no
   *     per-connection switch for it); docs/security.md says so.
   */
  private static final Logger AUDIT = LoggerFactory.getLogger("meridian.audit");
  private static final Logger LOG = LoggerFactory.getLogger(ServerHandshakes.class);
  /** An alert as the JDK ("received fatal alert: bad_certificate") or BoringSSL name it. */
  private static final Pattern ALERT = Pattern.compile("(?:alert: |alert_)([a-z_]+)");

  private ServerHandshakes() {}

  /**
   * {@code tls}, with full handshakes only and each refused handshake audited and counted in
   * {@code refused}.
   */
  static ServerCredentials of(ServerCredentials tls, AtomicLong refused) {
    InternalProtocolNegotiator.ServerFactory base = InternalNettyServerCredentials.toNegotiator(tls);
    return InternalNettyServerCredentials.create(new InternalProtocolNegotiator.ServerFactory() {
      @Override
      public InternalProtocolNegotiator.ProtocolNegotiator newNegotiator(
          ObjectPool<? extends Executor> pool) {
        return new Observing(base.newNegotiator(pool), refused);
      }
    });
  }

  private static final class Observing implements InternalProtocolNegotiator.ProtocolNegotiator {
    private final InternalProtocolNegotiator.ProtocolNegotiator tls;
    private final AtomicLong refused;

    Observing(InternalProtocolNegotiator.ProtocolNegotiator tls, AtomicLong refused) {
      this.tls = tls;
      this.refused = refused;
    }

    @Override
    public AsciiString scheme() {
      return tls.scheme();
    }

    @Override
    public ChannelHandler newHandler(GrpcHttp2ConnectionHandler grpcHandler) {
      return new Listener(tls.newHandler(grpcHandler), refused);
    }

    @Override
    public void close() {
      tls.close();
    }
  }

  /**
   * Puts gRPC's negotiator after itself, then readies and watches the handshake it starts (see
   * [1], [3]).
   */
  private static final class Listener extends ChannelInboundHandlerAdapter {
    private final ChannelHandler negotiator;
    private final AtomicLong refused;
    private boolean listening;

    Listener(ChannelHandler negotiator, AtomicLong refused) {
      this.negotiator = negotiator;
      this.refused = refused;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      ctx.pipeline().addAfter(ctx.name(), null, negotiator);
      listen(ctx);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      listen(ctx);
      ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      listen(ctx);
      ctx.fireChannelRead(msg);
      ctx.pipeline().remove(this); // the handshake has its bytes: nothing more to find
    }

    @SuppressWarnings("FutureReturnValueIgnored") // addListener returns the future it is given
    private void listen(ChannelHandlerContext ctx) {
      if (listening) {
        return;
      }
      SslHandler ssl = ctx.pipeline().get(SslHandler.class);
      if (ssl == null) {
        return;
      }
      listening = true;
      fullHandshakesOnly(ssl.engine());
      SocketAddress remote = ctx.channel().remoteAddress();
      ssl.handshakeFuture().addListener(f -> {
        if (!f.isSuccess()) {
          refused(remote, f.cause(), refused);
        }
      });
    }
  }

  /** Turns session resumption off for {@code engine}'s connection (see [3]). */
  private static void fullHandshakesOnly(SSLEngine engine) {
    if (!(engine instanceof ReferenceCountedOpenSslEngine openssl)) {
      return;
    }
    synchronized (openssl) {
      SSL.setOptions(openssl.sslPointer(), SSL.SSL_OP_NO_TICKET);
    }
    if (openssl.getSession().getSessionContext() instanceof OpenSslSessionContext context
        && context.isSessionCacheEnabled()) {
      context.setSessionCacheEnabled(false);
    }
  }

  private static void refused(SocketAddress remote, Throwable cause, AtomicLong refused) {
    String why = why(cause);
    if (why == null) {
      LOG.debug("connection from {} closed before its TLS handshake: {}", remote, cause.toString());
      return;
    }
    refused.incrementAndGet();
    AUDIT.warn("refused a TLS connection from {}: the handshake failed: {}", remote, why);
  }

  /**
   * Why a handshake failed, in our words (the caller's side named "it"); null if the connection
   * only closed before or during the handshake, without a refusal.
   */
  static String why(Throwable cause) {
    StringBuilder messages = new StringBuilder();
    for (Throwable c = cause; c != null; c = c.getCause()) {
      if (c instanceof NotSslRecordException) {
        return "it does not speak TLS (a plaintext client or peer dialling this TLS port?)";
      }
      if (c instanceof CertificateExpiredException) {
        return "its certificate has expired";
      }
      if (c instanceof CertificateNotYetValidException) {
        return "its certificate is not valid yet (or this machine's clock is behind)";
      }
      if (c instanceof CertPathValidatorException v
          && v.getReason() == CertPathValidatorException.BasicReason.EXPIRED) {
        return "its certificate has expired";
      }
      if (c instanceof CertPathValidatorException v
          && v.getReason() == CertPathValidatorException.BasicReason.NOT_YET_VALID) {
        return "its certificate is not valid yet (or this machine's clock is behind)";
      }
      if (c instanceof CertPathBuilderException) {
        return "its certificate is not issued by a CA this peer trusts (tls.ca)";
      }
      if (c instanceof SslHandshakeTimeoutException) {
        return "it did not complete the handshake in time";
      }
      if (c instanceof ClosedChannelException) {
        return null;
      }
      if (c.getMessage() != null) {
        messages.append(' ').append(c.getMessage());
      }
    }
    String m = messages.toString().toLowerCase(Locale.ROOT);
    if (m.contains("peer_did_not_return_a_certificate") || m.contains("empty client certificate")
        || m.contains("null cert chain") || m.contains("certificate_required")) {
      return "it presented no certificate (this peer asks every client for one: mutual TLS)";
    }
    if (m.contains("no_trust_anchor") || m.contains("unable to find valid certification path")) {
      return "its certificate is not issued by a CA this peer trusts (tls.ca)";
    }
    Matcher alert = ALERT.matcher(m);
    if (alert.find()) {
      return "it ended the handshake with the alert " + alert.group(1)
          + " (does it trust this peer's certificate?)";
    }
    if (m.contains("closed") || m.contains("reset")) {
      return null;
    }
    String said = messages.toString().strip();
    return "the TLS handshake failed ("
        + (said.length() > 160 ? said.substring(0, 160) + "..." : said) + ")";
  }
}
