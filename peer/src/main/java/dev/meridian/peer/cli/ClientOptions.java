package dev.meridian.peer.cli;

import com.google.common.net.HostAndPort;
import io.grpc.Channel;
import io.grpc.ChannelCredentials;
import io.grpc.ClientInterceptors;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Optional;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.TlsChannelCredentials;
import java.io.File;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The options every client command shares: which peer to talk to, how long to wait, and the TLS
 * files, and the bearer token ({@code --token-file} or {@code MERIDIAN_TOKEN}). Plaintext unless
 * {@code --tls-ca} or {@code --tls-cert} is given.
 */
final class ClientOptions {
  /** The peer a client command talks to when neither --peer nor MERIDIAN_PEER says otherwise. */
  static final String DEFAULT_PEER = "127.0.0.1:7400";
  /** The port of a --peer given without one. */
  static final int DEFAULT_PORT = 7400;

  @Option(names = "--peer", paramLabel = "HOST:PORT",
      description = "The peer to talk to (default: $MERIDIAN_PEER if set, else "
          + DEFAULT_PEER + "; the port defaults to " + DEFAULT_PORT + ").")
  String peer;

  @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "10s",
      converter = DurationConverter.class,
      description = "How long to wait for each answer, e.g. 500ms, 10s, 2m "
          + "(default: ${DEFAULT-VALUE}; watch has no time limit).")
  Duration timeout = Duration.ofSeconds(10);

  @Option(names = "--tls-ca", paramLabel = "FILE",
      description = "PEM certificates of the CAs that vouch for the peer; turns TLS on.")
  File tlsCa;

  @Option(names = "--tls-cert", paramLabel = "FILE",
      description = "PEM certificate chain to present for mutual TLS (with --tls-key); "
          + "turns TLS on.")
  File tlsCert;

  @Option(names = "--tls-key", paramLabel = "FILE",
      description = "PEM (PKCS#8) private key of --tls-cert.")
  File tlsKey;

  @Option(names = "--token-file", paramLabel = "FILE",
      description = "A file holding the bearer token to send (default: $MERIDIAN_TOKEN if set;"
          + " never on the command line, where ps shows it).")
  File tokenFile;

  /** The environment variable holding the bearer token, unless {@code --token-file} is given. */
  static final String TOKEN_ENV = "MERIDIAN_TOKEN";

  /**
   * The bearer token to send: the content of {@code --token-file} (surrounding white space
   * dropped), else {@code MERIDIAN_TOKEN} from {@code env}, else none.
   *
   * @throws IllegalArgumentException if the file cannot be read, or is empty
   */
  Optional<String> token(Map<String, String> env) {
    if (tokenFile != null) {
      String t;
      try {
        t = Files.readString(tokenFile.toPath(), StandardCharsets.UTF_8).strip();
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot read --token-file " + tokenFile + ": "
            + describe(e), e);
      }
      if (t.isEmpty()) {
        throw new IllegalArgumentException("--token-file " + tokenFile + " is empty");
      }
      return Optional.of(t);
    }
    String t = env.get(TOKEN_ENV);
    return t == null || t.isBlank() ? Optional.empty() : Optional.of(t.strip());
  }

  /** {@code channel} sending {@code authorization: Bearer <token>} on every call, if a token. */
  static Channel withToken(Channel channel, Optional<String> token) {
    if (token.isEmpty()) {
      return channel;
    }
    Metadata headers = new Metadata();
    headers.put(AUTHORIZATION, "Bearer " + token.get());
    return ClientInterceptors.intercept(channel,
        MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  /**
   * The peer's address: {@code --peer}, else {@code MERIDIAN_PEER} from {@code env}, else {@link
   * #DEFAULT_PEER}.
   *
   * @throws IllegalArgumentException if that address is not {@code HOST[:PORT]}
   */
  HostAndPort address(Map<String, String> env) {
    String from = "--peer";
    String value = peer;
    if (value == null) {
      value = env.get(Main.PEER_ENV);
      from = "$" + Main.PEER_ENV;
      if (value == null || value.isBlank()) {
        value = DEFAULT_PEER;
        from = "default peer";
      }
    }
    try {
      HostAndPort hp = HostAndPort.fromString(value.trim()).requireBracketsForIPv6()
          .withDefaultPort(DEFAULT_PORT);
      if (hp.getHost().isEmpty()) {
        throw new IllegalArgumentException("no host");
      }
      return hp;
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "invalid " + from + " '" + value + "': expected HOST:PORT, e.g. " + DEFAULT_PEER, e);
    }
  }

  /**
   * The largest answer a command takes (256 MiB): a document may be 64 MiB encoded, more as JSON;
   * gRPC's default of 4 MiB would refuse reading a large document back.
   */
  static final int MAX_RESPONSE_BYTES = 256 << 20;

  /**
   * Opens a channel to {@code address} with these options' credentials. The caller shuts it down.
   *
   * @throws IllegalArgumentException if the TLS options are incomplete or their files unreadable
   */
  ManagedChannel open(HostAndPort address) {
    ChannelCredentials creds = credentials();
    try {
      return Grpc.newChannelBuilderForAddress(address.getHost(), address.getPort(), creds)
          .userAgent("meridian-cli/" + Main.VERSION)
          .maxInboundMessageSize(MAX_RESPONSE_BYTES)
          .build();
    } catch (RuntimeException e) {
      if (creds instanceof InsecureChannelCredentials) {
        throw e;
      }
      // The transport refuses credentials it cannot use (e.g. a --tls-ca that is not PEM).
      throw new IllegalArgumentException("cannot set up TLS: " + transportError(e), e);
    }
  }

  private ChannelCredentials credentials() {
    if ((tlsCert == null) != (tlsKey == null)) {
      throw new IllegalArgumentException("--tls-cert and --tls-key go together");
    }
    if (tlsCa == null && tlsCert == null) {
      return InsecureChannelCredentials.create();
    }
    TlsChannelCredentials.Builder b = TlsChannelCredentials.newBuilder();
    if (tlsCa != null) {
      try {
        b.trustManager(tlsCa);
      } catch (IOException | RuntimeException e) {
        throw new IllegalArgumentException(
            "cannot use --tls-ca " + tlsCa + ": " + describe(e), e);
      }
    }
    if (tlsCert != null) {
      try {
        b.keyManager(tlsCert, tlsKey);
      } catch (IOException | RuntimeException e) {
        throw new IllegalArgumentException(
            "cannot use --tls-cert " + tlsCert + " / --tls-key " + tlsKey + ": " + describe(e), e);
      }
    }
    return b.build();
  }

  /**
   * The Netty provider's part of gRPC's "no provider" message, e.g. "Unable to create SslContext:
   * No certificate data found" without the providers that were never going to apply.
   */
  private static String transportError(RuntimeException e) {
    String m = describe(e);
    String netty = "NettyChannelProvider: ";
    int at = m.indexOf(netty);
    if (at < 0) {
      return m;
    }
    int end = m.indexOf("; ", at);
    return m.substring(at + netty.length(), end < 0 ? m.length() : end);
  }

  private static String describe(Exception e) {
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }
}
