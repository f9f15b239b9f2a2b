package dev.meridian.transport.grpc;

import io.grpc.HandlerRegistry;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.Status;
import java.io.InputStream;
import java.util.Locale;

/**
 * The server's answer to a call of a method it does not serve, in our words: UNIMPLEMENTED
 * naming the method, before any message of the call is read. Installed as the fallback handler
 * registry, it is asked only for methods no service of the port has.
 */
final class UnknownMethods extends HandlerRegistry {
  /** Messages of an unknown method are never read; this marshaller only satisfies the types. */
  private static final MethodDescriptor.Marshaller<InputStream> UNREAD =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(InputStream value) {
          return value;
        }

        @Override
        public InputStream parse(InputStream stream) {
          return stream;
        }
      };

  private final String served;

  /** Answers for a server serving the services named {@code services}. */
  UnknownMethods(java.util.List<String> services) {
    this.served = String.join(", ", services);
  }

  @Override
  public ServerMethodDefinition<?, ?> lookupMethod(String methodName, String authority) {
    MethodDescriptor<InputStream, InputStream> method =
        MethodDescriptor.<InputStream, InputStream>newBuilder()
            .setType(MethodDescriptor.MethodType.UNKNOWN).setFullMethodName(methodName)
            .setRequestMarshaller(UNREAD).setResponseMarshaller(UNREAD).build();
    return ServerMethodDefinition.create(method, new ServerCallHandler<>() {
      @Override
      public ServerCall.Listener<InputStream> startCall(ServerCall<InputStream, InputStream> call,
          Metadata headers) {
        call.close(Status.UNIMPLEMENTED.withDescription(String.format(Locale.ROOT,
            "this peer has no method '%s'; the services it serves are %s",
            abbreviate(methodName), served)), new Metadata());
        return new ServerCall.Listener<>() {};
      }
    });
  }

  private static String abbreviate(String s) {
    return s.length() <= 200 ? s : s.substring(0, 200) + "...";
  }
}
