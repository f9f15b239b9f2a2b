package dev.meridian.peer.cli;

import com.google.common.net.HostAndPort;
import dev.meridian.peer.proto.DocumentsGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.netty.util.internal.logging.InternalLoggerFactory;
import io.grpc.netty.shaded.io.netty.util.internal.logging.JdkLoggerFactory;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * A command that makes gRPC calls to one peer's {@code Documents} service. {@link #call()} opens
 * the channel, runs {@link #run}, maps a failed call to an exit code and a one-line message, and
 * shuts the channel down.
 */
abstract class ClientCommand implements Callable<Integer> {
  /** The longest key the API accepts, in UTF-8 bytes. */
  static final int MAX_KEY_BYTES = 1024;

  @Spec
  CommandSpec spec;

  @ParentCommand
  Main root;

  @ArgGroup(exclusive = false, validate = false, heading = "%nConnection:%n", order = 100)
  ClientOptions connection = new ClientOptions();

  /** The prefix of Netty's native socket errors, e.g. "finishConnect(..) failed with error(-111): ". */
  /** gRPC's own text for a message over a size limit (either end's). */
  private static final Pattern TOO_LARGE =
      Pattern.compile("gRPC message exceeds maximum size (\\d+): (\\d+)");
  private static final Pattern NATIVE_ERROR =
      Pattern.compile("^\\S+\\(\\.\\.\\) failed with error\\(-?\\d+\\): ");

  private HostAndPort address;

  /**
   * Makes this command's calls.
   *
   * @param stub a blocking stub on the channel, without a deadline (see {@link #withDeadline})
   * @return the exit code
   * @throws StatusRuntimeException if a call fails; {@link #call()} reports it
   * @throws ParameterException for a usage error found while running
   */
  abstract int run(DocumentsGrpc.DocumentsBlockingStub stub);

  /**
   * Checks what can be checked without the peer, before the channel opens.
   *
   * @throws ParameterException for a usage error
   */
  void validate() {}

  @Override
  public final Integer call() {
    validate();
    quietNetty();
    ManagedChannel channel;
    java.util.Optional<String> token;
    java.util.Map<String, String> env = root == null ? java.util.Map.of() : root.env();
    try {
      address = connection.address(env);
      token = connection.token(env);
      channel = connection.open(address);
    } catch (IllegalArgumentException e) {
      throw usage(e.getMessage());
    }
    try {
      return run(DocumentsGrpc.newBlockingStub(ClientOptions.withToken(channel, token)));
    } catch (StatusRuntimeException e) {
      return failed(e.getStatus());
    } finally {
      shutdown(channel);
    }
  }

  /** The peer's address, once {@link #call} resolved it. */
  final HostAndPort address() {
    return address;
  }

  /** {@code stub} with a deadline of {@code --timeout} from now. */
  final DocumentsGrpc.DocumentsBlockingStub withDeadline(DocumentsGrpc.DocumentsBlockingStub stub) {
    return stub.withDeadlineAfter(connection.timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Standard output. */
  final PrintWriter out() {
    return spec.commandLine().getOut();
  }

  /** Standard error. */
  final PrintWriter err() {
    return spec.commandLine().getErr();
  }

  /** A usage error of this command, for picocli to report (exit code 2). */
  final ParameterException usage(String message) {
    return new ParameterException(spec.commandLine(), message);
  }

  /**
   * Checks a document key as the API defines it: 1 to {@value #MAX_KEY_BYTES} bytes of UTF-8.
   *
   * @throws ParameterException if it is not
   */
  final void checkKey(String key) {
    int bytes = key.getBytes(StandardCharsets.UTF_8).length;
    if (bytes == 0) {
      throw usage("the key must not be empty");
    }
    if (bytes > MAX_KEY_BYTES) {
      throw usage("the key is " + bytes + " bytes long; the limit is " + MAX_KEY_BYTES);
    }
  }

  /** Reports a failed call on standard error; returns its exit code. */
  final int failed(Status status) {
    switch (status.getCode()) {
      case UNAVAILABLE:
        err().println("meridian: cannot reach peer at " + address + ": " + describe(status));
        return Main.UNREACHABLE;
      case DEADLINE_EXCEEDED:
        err().println("meridian: cannot reach peer at " + address + ": no answer within "
            + DurationConverter.format(connection.timeout));
        return Main.UNREACHABLE;
      default:
        err().println("meridian: " + status.getCode() + ": " + describe(status));
        return Main.FAILED;
    }
  }

  /**
   * A status's description, with its cause's message if that adds anything; the cause's message
   * alone in place of gRPC's generic "io exception".
   */
  static String describe(Status status) {
    String d = status.getDescription();
    java.util.regex.Matcher big = d == null ? null : TOO_LARGE.matcher(d);
    if (big != null && big.find()) {
      // gRPC's words name its own limit; ours say which message, how large, and what is allowed.
      long max = Long.parseLong(big.group(1));
      long size = Long.parseLong(big.group(2));
      return max == ClientOptions.MAX_RESPONSE_BYTES
          ? String.format(java.util.Locale.ROOT, "the peer's answer is %,d bytes, over the %,d "
              + "bytes this command accepts in one message", size, max)
          : String.format(java.util.Locale.ROOT, "the request is %,d bytes, over the %,d bytes "
              + "the peer accepts in one message; split it into several updates", size, max);
    }
    Throwable cause = status.getCause();
    String c = cause == null ? null : NATIVE_ERROR.matcher(cause.getMessage() == null
        ? "" : cause.getMessage()).replaceFirst("");
    if (c != null && c.isEmpty()) {
      c = null;
    }
    if (d == null || d.isEmpty() || (c != null && d.equals("io exception"))) {
      return c != null ? c : (cause != null ? cause.getClass().getSimpleName() : "no details");
    }
    return c == null || d.contains(c) ? d : d + " (" + c + ")";
  }

  /**
   * Sends Netty's internal logging to java.util.logging (INFO and above by default) instead of
   * SLF4J: with Logback on the class path and no configuration, Netty's DEBUG lines would otherwise
   * mix with the command's output.
   */
  private static void quietNetty() {
    InternalLoggerFactory.setDefaultFactory(JdkLoggerFactory.INSTANCE);
  }

  private static void shutdown(ManagedChannel channel) {
    channel.shutdownNow();
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
