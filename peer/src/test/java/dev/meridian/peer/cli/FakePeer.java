package dev.meridian.peer.cli;

import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.util.internal.logging.InternalLoggerFactory;
import io.grpc.netty.shaded.io.netty.util.internal.logging.JdkLoggerFactory;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real gRPC server on 127.0.0.1 (an ephemeral port) serving a {@link FakeDocuments}, and a way
 * to run the CLI against it with captured output.
 */
final class FakePeer implements AutoCloseable {
  static {
    // As the CLI does for its channels: keep Netty's DEBUG lines out of the test output.
    InternalLoggerFactory.setDefaultFactory(JdkLoggerFactory.INSTANCE);
  }

  final FakeDocuments service = new FakeDocuments();
  private final Server server;

  private FakePeer(ServerCredentials credentials) throws IOException {
    server = NettyServerBuilder
        .forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), credentials)
        .addService(service)
        .build()
        .start();
  }

  /** A plaintext fake peer. */
  /** {@link #start()}, for field initializers: an I/O failure is unchecked. */
  static FakePeer startQuietly() {
    try {
      return start();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static FakePeer start() throws IOException {
    return new FakePeer(InsecureServerCredentials.create());
  }

  /** A fake peer with the given (e.g. TLS) credentials. */
  static FakePeer start(ServerCredentials credentials) throws IOException {
    return new FakePeer(credentials);
  }

  /** {@code 127.0.0.1:PORT}. */
  String address() {
    return "127.0.0.1:" + server.getPort();
  }

  int port() {
    return server.getPort();
  }

  /**
   * Runs {@code meridian COMMAND --peer ADDRESS ARGS...} with an empty environment: {@code
   * --peer} goes right after the first argument, the command.
   */
  Result cli(String command, String... args) {
    List<String> all = new ArrayList<>();
    all.add(command);
    all.add("--peer");
    all.add(address());
    all.addAll(Arrays.asList(args));
    return run(Map.of(), all.toArray(new String[0]));
  }

  /** Runs {@code meridian ARGS...} with the environment {@code env}, capturing its output. */
  static Result run(Map<String, String> env, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(env, new PrintWriter(out), new PrintWriter(err), args);
    return new Result(code, normalize(out.toString()), normalize(err.toString()));
  }

  /** Runs {@code meridian ARGS...} with an empty environment. */
  static Result run(String... args) {
    return run(Map.of(), args);
  }

  /** A loopback port nothing listens on (one that was free a moment ago). */
  static int unusedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static String normalize(String s) {
    return s.replace(System.lineSeparator(), "\n");
  }

  @Override
  public void close() {
    server.shutdownNow();
    try {
      server.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** What one CLI run returned and printed. */
  record Result(int code, String out, String err) {
    @Override
    public String toString() {
      return "exit " + code + "\n--- out:\n" + out + "--- err:\n" + err;
    }
  }
}
