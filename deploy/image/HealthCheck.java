import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.util.concurrent.TimeUnit;

/**
 * Asks a peer's plaintext health endpoint what a Kubernetes grpc probe asks (grpc.health.v1
 * Check, plaintext, no client certificate) and prints the answer; exits 0 for SERVING, 1
 * otherwise. Runs as a single source file on the daemon's jar:
 *
 * <pre>java -cp peer/target/meridian.jar deploy/image/HealthCheck.java 127.0.0.1:7401 [SERVICE]</pre>
 */
public final class HealthCheck {
  private HealthCheck() {}

  public static void main(String[] args) throws InterruptedException {
    if (args.length < 1 || args.length > 2) {
      System.err.println("usage: HealthCheck HOST:PORT [SERVICE]");
      System.exit(2);
    }
    // The daemon's log format and level (MERIDIAN_LOG_LEVEL), not logback's DEBUG default.
    System.setProperty("logback.configurationFile", "meridian-logback.xml");
    ManagedChannel channel = ManagedChannelBuilder.forTarget(args[0]).usePlaintext().build();
    int code;
    try {
      ServingStatus status = HealthGrpc.newBlockingStub(channel)
          .withDeadlineAfter(5, TimeUnit.SECONDS)
          .check(HealthCheckRequest.newBuilder().setService(args.length > 1 ? args[1] : "").build())
          .getStatus();
      System.out.println(args[0] + ": " + status);
      code = status == ServingStatus.SERVING ? 0 : 1;
    } catch (StatusRuntimeException e) {
      System.out.println(args[0] + ": " + e.getStatus().getCode() + " " + e.getStatus().getDescription());
      code = 1;
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    System.exit(code);
  }
}
