package dev.meridian.nemesis;

import dev.meridian.peer.proto.PeerStatus;
import dev.meridian.peer.proto.StatusRequest;
import dev.meridian.peer.proto.StatusResponse;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Samples the run into its {@link Timeline} every 500 ms: acknowledged operations per second, and
 * each daemon's replication lag from its Status call (-1 when it does not answer within 300 ms).
 * Runs on a thread of its own until the clients have stopped and convergence was awaited.
 */
final class Sampler implements Runnable {
  private final Daemons daemons;
  private final AtomicLong acks;
  private final Timeline timeline;
  private final AtomicBoolean stop;
  /** Set by the run thread once convergence was awaited; read by the sampler thread. */
  private volatile boolean converged;

  Sampler(Daemons daemons, AtomicLong acks, Timeline timeline, AtomicBoolean stop) {
    this.daemons = daemons;
    this.acks = acks;
    this.timeline = timeline;
    this.stop = stop;
  }

  /** Convergence was awaited (whether or not it came): the sampler takes one more sample, then ends. */
  void converged() {
    converged = true;
  }

  @Override
  public void run() {
    long lastAcks = 0;
    long last = System.nanoTime();
    while (true) {
      long[] lag = new long[daemons.size()];
      for (int i = 0; i < daemons.size(); i++) {
        try {
          StatusResponse s = daemons.api(i).withDeadlineAfter(300, TimeUnit.MILLISECONDS)
              .status(StatusRequest.getDefaultInstance());
          long sum = 0;
          for (PeerStatus p : s.getPeersList()) {
            sum += Math.max(0, p.getLag());
          }
          lag[i] = sum;
        } catch (StatusRuntimeException e) {
          lag[i] = -1;
        }
      }
      long now = System.nanoTime();
      long a = acks.get();
      timeline.sample((a - lastAcks) / ((now - last) / 1e9), lag);
      lastAcks = a;
      last = now;
      if (stop.get() && timeline.now() > 0 && converged) {
        return;
      }
      try {
        Thread.sleep(500);
      } catch (InterruptedException e) {
        return;
      }
    }
  }
}
