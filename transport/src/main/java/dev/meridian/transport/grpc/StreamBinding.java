package dev.meridian.transport.grpc;

import dev.meridian.transport.proto.SyncFrame;
import dev.meridian.transport.sync.Refusal;
import dev.meridian.transport.sync.SyncSession;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.CallStreamObserver;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.concurrent.TimeUnit;

/**
 * Binds one gRPC Sync call (either end) to one engine session. gRPC threads only post to the
 * node's loop; on the loop, frames are handed to the engine and the next one requested, and the
 * session's frames are sent while the call is ready. When the engine finishes, the server ends the
 * call with the refusal's status (OK for a clean shutdown) after the Goodbye; the client
 * half-closes after its Goodbye and cancels if the server has not ended the call soon after.
 * A client's channel serves this call only: it is shut down when the call ends, at once if the
 * session stalled or the call failed.
 */
final class StreamBinding implements ClientResponseObserver<SyncFrame, SyncFrame> {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(
      StreamBinding.class);
  private final ReplicationNode node;
  private final boolean client;
  private SyncSession session;
  private CallStreamObserver<SyncFrame> out;
  private boolean ended;
  private boolean pumpScheduled;
  /** A frame is owed to gRPC's flow control once the session may receive again. */
  private boolean readPaused;
  /** Client side: the site the server's certificate names, once its headers arrived. */
  private java.util.concurrent.atomic.AtomicReference<String> serverSite;
  private boolean siteGiven;
  /** Client side: the channel opened for this call alone. */
  private ManagedChannel channel;

  private StreamBinding(ReplicationNode node, boolean client) {
    this.node = node;
    this.client = client;
  }

  /** A binding for a call this node dials (session already created, on the loop). */
  static StreamBinding client(ReplicationNode node, SyncSession session,
      java.util.concurrent.atomic.AtomicReference<String> serverSite, ManagedChannel channel) {
    StreamBinding b = new StreamBinding(node, true);
    b.session = session;
    b.serverSite = serverSite;
    b.channel = channel;
    session.setWakeup(b::schedulePump);
    return b;
  }

  /** A binding for a call a peer opened (called on a gRPC thread). */
  static StreamBinding server(ReplicationNode node, ServerCallStreamObserver<SyncFrame> out,
      String remote, String certifiedSite) {
    StreamBinding b = new StreamBinding(node, false);
    b.out = out;
    out.disableAutoRequest();
    out.setOnReadyHandler(() -> node.execute(b::pump));
    out.setOnCancelHandler(() -> node.execute(() -> b.broken(Status.CANCELLED
        .withDescription("call cancelled by the peer or the transport"))));
    node.execute(() -> {
      b.session = node.replicator().accept(remote, node.now());
      b.session.certifiedSite(certifiedSite);
      b.session.setWakeup(b::schedulePump);
      out.request(1);
    });
    return b;
  }

  @Override
  public void beforeStart(ClientCallStreamObserver<SyncFrame> requestStream) {
    this.out = requestStream;
    requestStream.disableAutoRequestWithInitial(1);
    requestStream.setOnReadyHandler(() -> node.execute(this::pump));
  }

  // ---- inbound (gRPC threads) -------------------------------------------------------------------

  @Override
  public void onNext(SyncFrame frame) {
    node.execute(() -> {
      if (ended || session == null) {
        return;
      }
      if (client && !siteGiven) {
        siteGiven = true; // the server's headers (and certificate) came before its first frame
        session.certifiedSite(serverSite.get());
      }
      node.replicator().receive(session, frame, frame.getSerializedSize(), node.now());
      if (!ended) {
        if (session.mayReceive()) {
          out.request(1);
        } else {
          readPaused = true; // resumed by pump() once a batch is durable
        }
      }
    });
  }

  /**
   * Client side: the server's certificate is refused (see {@link IdentityCheck}), on a gRPC
   * thread; none of its frames reaches the session, which says Goodbye with {@code why} and ends.
   */
  void refusedServer(String why) {
    node.execute(() -> {
      if (!ended && session != null) {
        node.replicator().closeRefused(session, new Refusal(Refusal.Code.PERMISSION_DENIED, why));
      }
    });
  }

  @Override
  public void onError(Throwable t) {
    node.execute(() -> broken(Status.fromThrowable(t)));
  }

  @Override
  public void onCompleted() {
    node.execute(() -> {
      if (ended || session == null) {
        return;
      }
      ended = true;
      out.onCompleted();
      releaseChannel(false);
      node.replicator().streamClosed(session,
          new Refusal(Refusal.Code.OK, "the peer ended the stream"), node.now());
    });
  }

  // ---- the loop ---------------------------------------------------------------------------------

  private void schedulePump() {
    if (!pumpScheduled) {
      pumpScheduled = true;
      node.execute(this::pump);
    }
  }

  private void pump() {
    pumpScheduled = false;
    if (ended || session == null || out == null) {
      return;
    }
    if (readPaused && session.mayReceive()) {
      readPaused = false;
      out.request(1);
    }
    while (session.isClosing() || out.isReady()) {
      SyncFrame f = session.poll(node.now());
      if (f == null) {
        break;
      }
      out.onNext(f);
    }
    if (session.isFinished()) {
      finish();
    }
  }

  private void finish() {
    ended = true;
    Refusal r = session.closeReason();
    if (client) {
      out.onCompleted();
      if (session.stalled()) {
        releaseChannel(true); // cancels the call with its connection
      } else {
        ClientCallStreamObserver<SyncFrame> call = (ClientCallStreamObserver<SyncFrame>) out;
        java.util.concurrent.CompletableFuture.delayedExecutor(2, TimeUnit.SECONDS)
            .execute(() -> call.cancel("stream ended: " + r, null));
        releaseChannel(false);
      }
    } else if (r.code() == Refusal.Code.OK) {
      out.onCompleted();
    } else {
      out.onError(Status.fromCodeValue(r.code().number()).withDescription(r.reason())
          .asRuntimeException());
    }
    node.replicator().streamClosed(session, r, node.now());
  }

  private void releaseChannel(boolean abandon) {
    if (channel != null) {
      node.channelDone(channel, abandon);
      channel = null;
    }
  }

  private void broken(Status status) {
    if (ended || session == null) {
      return;
    }
    ended = true;
    releaseChannel(true);
    if (status.getCode() == Status.Code.RESOURCE_EXHAUSTED) {
      node.countTransportRefusal();
    }
    if (client && status.getCode() == Status.Code.PERMISSION_DENIED && !session.isOpen()
        && session.closeReason() == null) {
      // The server refused this replica before its engine saw a frame (its certificate check).
      LOG.warn("the replica at {} refused this replica's stream: {}", session.address(),
          status.getDescription());
    }
    node.replicator().streamClosed(session, new Refusal(Refusal.Code.of(status.getCode().value()),
        "stream failed: " + status.getCode() + (status.getDescription() == null ? ""
            : " (" + status.getDescription() + ")")), node.now());
  }
}
