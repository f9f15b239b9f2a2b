package dev.meridian.transport.grpc;

import io.grpc.Codec;
import io.grpc.DecompressorRegistry;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerStreamTracer;
import io.grpc.Status;
import java.util.Locale;

/**
 * The size limit of each message a client or peer sends to this node's server, enforced by this
 * class in our words instead of by gRPC in its own: every service on the port (replication, the
 * client API, health, reflection) answers a message over the limit with RESOURCE_EXHAUSTED saying
 * which method it was sent to and how many bytes one message may have, and nothing of it reaches
 * the service.
 *
 * <p>How: the server's gRPC limit is set beyond any message ({@link #GRPC_LIMIT}), and a stream
 * tracer counts the bytes of each message's body as gRPC reads them off the stream; once they
 * pass the limit it fails the read with our status and the message is dropped. So at most the
 * limit plus one read (one HTTP/2 DATA frame) is buffered per message, as under gRPC's own check.
 * gRPC sends that status to the client if the server has not sent the call's headers yet, which
 * holds for every call whose request comes first (the client API's unary and server-streaming
 * calls, health, reflection's first request); on a stream whose headers went out (replication's
 * Sync, after the Hello) gRPC resets the stream instead, and the peer sees CANCELLED. Compressed messages would be inflated past
 * any such count while the request is parsed, where a failure is answered as gRPC's "Application
 * error"; so calls whose messages are compressed are refused at the start, with
 * UNIMPLEMENTED (as gRPC answers an encoding it does not know), before a message is read.
 */
final class InboundLimits {
  /*
   * Design notes.
   * [1] The tracer's callbacks run on the stream's transport thread, one at a time; an exception
   *     thrown from inboundWireSize leaves the deframer through its caller, and gRPC's server
   *     stream reports it as a deframing failure: it closes the stream with the exception's
   *     status (ours), exactly the path its own size check takes.
   * [2] gRPC checks its limit against the length a message's header declares, before any of the
   *     body is read, and answers in its words. Hence GRPC_LIMIT is the largest length a header
   *     can declare; a header declaring more than 2^31 - 1 bytes (no protobuf message is that
   *     large) is still answered by gRPC.
   */

  /** The limit given to gRPC: beyond every message a header can declare (design note [2]). */
  static final int GRPC_LIMIT = Integer.MAX_VALUE;

  private InboundLimits() {}

  /** A tracer factory refusing any message over {@code maxBytes}, on every method. */
  static ServerStreamTracer.Factory tracers(int maxBytes) {
    if (maxBytes <= 0) {
      throw new IllegalArgumentException("the message limit must be positive, not " + maxBytes);
    }
    return new ServerStreamTracer.Factory() {
      @Override
      public ServerStreamTracer newServerStreamTracer(String fullMethodName, Metadata headers) {
        return new SizeCheck(fullMethodName, maxBytes);
      }
    };
  }

  /** The status of a message to {@code method} over {@code maxBytes}. */
  static Status tooLarge(String method, int maxBytes) {
    return Status.RESOURCE_EXHAUSTED.withDescription(String.format(Locale.ROOT,
        "a message to %s is larger than the %,d bytes this peer accepts in one message; split "
            + "it into smaller requests", method, maxBytes));
  }

  /** Counts the body bytes of the message being read (transport thread, design note [1]). */
  private static final class SizeCheck extends ServerStreamTracer {
    private final String method;
    private final int maxBytes;
    private long bytes;

    SizeCheck(String method, int maxBytes) {
      this.method = method;
      this.maxBytes = maxBytes;
    }

    @Override
    public void inboundMessage(int seqNo) {
      bytes = 0; // a message's header was read: its body follows
    }

    @Override
    public void inboundWireSize(long n) {
      bytes += n;
      if (bytes > maxBytes) {
        throw tooLarge(method, maxBytes).asRuntimeException();
      }
    }
  }

  /**
   * Decompressors for the server: gzip is known (so that a gzip call reaches {@link
   * #uncompressedOnly()} and is answered in our words) but not advertised to clients.
   */
  static DecompressorRegistry decompressors() {
    return DecompressorRegistry.emptyInstance().with(new Codec.Gzip(), false);
  }

  /** Refuses, before its first message is read, a call whose messages may come compressed. */
  static ServerInterceptor uncompressedOnly() {
    Metadata.Key<String> encoding =
        Metadata.Key.of("grpc-encoding", Metadata.ASCII_STRING_MARSHALLER);
    return new ServerInterceptor() {
      @Override
      public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
          ServerCallHandler<Q, A> next) {
        String e = headers.get(encoding);
        if (e != null && !e.equals("identity")) {
          call.close(Status.UNIMPLEMENTED.withDescription(String.format(Locale.ROOT,
              "this peer takes messages uncompressed, and the call to %s compresses them (%s); "
                  + "send it without compression, the default of gRPC clients",
              call.getMethodDescriptor().getFullMethodName(), e)), new Metadata());
          return new ServerCall.Listener<Q>() {};
        }
        return next.startCall(call, headers);
      }
    };
  }
}
