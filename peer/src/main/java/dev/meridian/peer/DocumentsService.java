package dev.meridian.peer;

import dev.meridian.crdt.doc.Conflict;
import dev.meridian.crdt.doc.Document;
import dev.meridian.crdt.doc.TypeClashException;
import dev.meridian.peer.proto.DeleteRequest;
import dev.meridian.peer.proto.DeleteResponse;
import dev.meridian.peer.proto.DocumentsGrpc;
import dev.meridian.peer.proto.GetRequest;
import dev.meridian.peer.proto.GetResponse;
import dev.meridian.peer.proto.ListRequest;
import dev.meridian.peer.proto.ListResponse;
import dev.meridian.peer.proto.Operation;
import dev.meridian.peer.proto.PeerStatus;
import dev.meridian.peer.proto.StatusRequest;
import dev.meridian.peer.proto.StatusResponse;
import dev.meridian.peer.proto.UpdateBatchRequest;
import dev.meridian.peer.proto.UpdateBatchResponse;
import dev.meridian.peer.proto.UpdateRequest;
import dev.meridian.peer.proto.UpdateResult;
import dev.meridian.peer.proto.UpdateResponse;
import dev.meridian.peer.proto.WatchEvent;
import dev.meridian.peer.proto.WatchRequest;
import dev.meridian.persistence.StoreException;
import dev.meridian.transport.sync.PeerStats;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client API: translates {@code documents.proto} to {@link Meridian} calls and back. Requests
 * are checked in full before anything is written; an Update's operations apply all or none.
 */
final class DocumentsService extends DocumentsGrpc.DocumentsImplBase {
  private static final Logger LOG = LoggerFactory.getLogger(DocumentsService.class);
  private static final int MAX_OPERATIONS = 1_000;
  /** Most updates one UpdateBatch call may carry. */
  static final int MAX_BATCH = 10_000;
  /** Most watches one client connection may hold. */
  static final int MAX_WATCHES_PER_CONNECTION = 100;
  /** Events a watch buffers for a client that does not read, and their bytes, before it ends. */
  static final int WATCH_BUFFER = 1_000;
  static final long WATCH_BUFFER_BYTES = 8L << 20;
  /**
   * Bytes of events all watches together buffer for clients that do not read: an eighth of the
   * heap, between 8 and 256 MiB (64 MiB for a 512 MiB heap). A watch whose buffering would pass
   * it is ended as one that fell behind.
   */
  static final long ALL_WATCHES_BUFFER_BYTES =
      Math.max(8L << 20, Math.min(256L << 20, Runtime.getRuntime().maxMemory() / 8));
  /** The client connection of the call being served (its remote address). */
  private static final Context.Key<String> CLIENT = Context.key("meridian-client");

  private final Meridian store;
  private final PerClient watchesPerClient = new PerClient(MAX_WATCHES_PER_CONNECTION);
  private final RequestIds requestIds = new RequestIds();

  /**
   * The service definition to serve for {@code store}: the API, with each call knowing its client
   * connection (for the per-connection watch limit).
   */
  static ServerServiceDefinition definition(Meridian store) {
    return definition(new DocumentsService(store));
  }

  /** {@link #definition(Meridian)} of a given service (tests with other limits). */
  static ServerServiceDefinition definition(DocumentsService service) {
    return ServerInterceptors.intercept(service, new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
          ServerCallHandler<Q, R> next) {
        Object remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
        return Contexts.interceptCall(Context.current().withValue(CLIENT, String.valueOf(remote)),
            call, headers, next);
      }
    });
  }

  private final int watchBuffer;
  private final long watchBufferBytes;
  private final WatchBudget allWatches;

  DocumentsService(Meridian store) {
    this(store, WATCH_BUFFER, WATCH_BUFFER_BYTES, ALL_WATCHES_BUFFER_BYTES);
  }

  /** A service whose watches buffer at most {@code watchBuffer} events of {@code bytes} in all. */
  DocumentsService(Meridian store, int watchBuffer, long watchBufferBytes) {
    this(store, watchBuffer, watchBufferBytes, ALL_WATCHES_BUFFER_BYTES);
  }

  /**
   * A service whose watches buffer at most {@code watchBuffer} events of {@code watchBufferBytes}
   * each, and {@code allWatchesBytes} together.
   */
  DocumentsService(Meridian store, int watchBuffer, long watchBufferBytes,
      long allWatchesBytes) {
    this.store = store;
    this.watchBuffer = watchBuffer;
    this.watchBufferBytes = watchBufferBytes;
    this.allWatches = new WatchBudget(allWatchesBytes);
  }

  /** Bytes of events the watches of this service hold for clients that do not read, now. */
  long watchBytesBuffered() {
    return allWatches.used();
  }

  @Override
  public void get(GetRequest request, StreamObserver<GetResponse> out) {
    try {
      Optional<Document> doc = store.get(request.getKey());
      GetResponse.Builder b = GetResponse.newBuilder().setFound(doc.isPresent())
          .setJson(doc.map(Document::toJson).orElse("{}"));
      if (doc.isPresent()) {
        for (Conflict c : doc.get().conflicts()) {
          List<String> values = new ArrayList<>();
          for (Conflict.Candidate v : c.candidates()) {
            values.add(JsonValues.write(v.value()));
          }
          b.addConflicts(dev.meridian.peer.proto.Conflict.newBuilder().setPath(c.path())
              .addAllValuesJson(values));
        }
      }
      out.onNext(b.build());
      out.onCompleted();
    } catch (RuntimeException e) {
      out.onError(failure(e));
    }
  }

  @Override
  public void update(UpdateRequest request, StreamObserver<UpdateResponse> out) {
    try {
      apply(request).whenComplete((v, failure) -> reply(out, failure, () -> {
        UpdateResponse.Builder b = UpdateResponse.newBuilder();
        if (request.getReturnDocument()) {
          b.setJson(readBack(request.getKey()));
        }
        return b.build();
      }, this::failure));
    } catch (RuntimeException e) {
      out.onError(failure(e));
    }
  }

  /**
   * Checks and applies one update; a request id makes it apply once ({@link RequestIds}).
   *
   * @throws RuntimeException for a request that is wrong whatever the document holds
   */
  private java.util.concurrent.CompletableFuture<Void> apply(UpdateRequest request) {
    if (request.getOperationsCount() == 0) {
      throw new IllegalArgumentException("an update needs at least one operation");
    }
    if (request.getOperationsCount() > MAX_OPERATIONS) {
      throw new IllegalArgumentException("at most " + MAX_OPERATIONS + " operations per update");
    }
    List<Function<Document, Document>> ops = new ArrayList<>();
    for (int i = 0; i < request.getOperationsCount(); i++) {
      ops.add(operation(i, request.getOperations(i)));
    }
    Supplier<java.util.concurrent.CompletableFuture<Void>> write =
        () -> request.getReturnDocument()
            ? store.update(request.getKey(), doc -> Meridian.applyAll(doc, ops))
            : store.updateUnhanded(request.getKey(), doc -> Meridian.applyAll(doc, ops));
    String id = request.getRequestId();
    if (id.isEmpty()) {
      return write.get();
    }
    RequestIds.check(id);
    long fingerprint = com.google.common.hash.Hashing.murmur3_128().hashBytes(
        request.toBuilder().clearReturnDocument().build().toByteArray()).asLong();
    return requestIds.once(id, fingerprint, write);
  }

  @Override
  public void updateBatch(UpdateBatchRequest request, StreamObserver<UpdateBatchResponse> out) {
    int n = request.getUpdatesCount();
    if (n == 0 || n > MAX_BATCH) {
      out.onError(Status.INVALID_ARGUMENT.withDescription("a batch holds 1 to " + MAX_BATCH
          + " updates, not " + n).asRuntimeException());
      return;
    }
    UpdateResult[] results = new UpdateResult[n];
    java.util.concurrent.CompletableFuture<?>[] done = new java.util.concurrent.CompletableFuture<?>[n];
    for (int i = 0; i < n; i++) {
      UpdateRequest u = request.getUpdates(i);
      int at = i;
      java.util.concurrent.CompletableFuture<Void> f;
      try {
        f = apply(u);
      } catch (RuntimeException e) {
        f = java.util.concurrent.CompletableFuture.failedFuture(e);
      }
      done[i] = f.handle((v, t) -> {
        results[at] = result(u, t);
        return null;
      });
    }
    java.util.concurrent.CompletableFuture.allOf(done).whenComplete((v, t) -> reply(out, null,
        () -> UpdateBatchResponse.newBuilder().addAllResults(List.of(results)).build(),
        this::failure));
  }

  /** The result of one update of a batch: its status as a lone Update would have had it. */
  private UpdateResult result(UpdateRequest u, Throwable failure) {
    if (failure == null) {
      UpdateResult.Builder b = UpdateResult.newBuilder();
      if (u.getReturnDocument()) {
        try {
          b.setJson(readBack(u.getKey()));
        } catch (StatusRuntimeException e) {
          return UpdateResult.newBuilder().setCode(e.getStatus().getCode().value())
              .setError(String.valueOf(e.getStatus().getDescription())).build();
        }
      }
      return b.build();
    }
    Status s = failure(failure).getStatus();
    return UpdateResult.newBuilder().setCode(s.getCode().value())
        .setError(String.valueOf(s.getDescription())).build();
  }

  /**
   * The document's JSON after a write that is already durable. If reading it fails, the call must
   * not end as retryable (a retried increment would apply twice): INTERNAL, saying the write holds.
   */
  private String readBack(String key) {
    try {
      return store.get(key).map(Document::toJson).orElse("{}");
    } catch (RuntimeException e) {
      LOG.warn("reading {} back after a durable update failed", key, e);
      throw Status.INTERNAL.withDescription("the update is durable at this peer, but reading the"
          + " document back failed: " + e.getMessage()).asRuntimeException();
    }
  }

  @Override
  public void delete(DeleteRequest request, StreamObserver<DeleteResponse> out) {
    try {
      store.delete(request.getKey()).whenComplete((existed, failure) -> reply(out, failure,
          () -> DeleteResponse.newBuilder().setExisted(existed).build(), this::failure));
    } catch (RuntimeException e) {
      out.onError(failure(e));
    }
  }

  @Override
  public void list(ListRequest request, StreamObserver<ListResponse> out) {
    try {
      int size = request.getPageSize();
      if (size < 0 || size > 1000) {
        throw new IllegalArgumentException("page_size must be 0 (for 100) to 1,000: " + size);
      }
      Meridian.Page page = store.list(request.getPrefix(),
          request.getPageToken().isEmpty() ? null : request.getPageToken(), size == 0 ? 100 : size);
      out.onNext(ListResponse.newBuilder().addAllKeys(page.keys())
          .setNextPageToken(page.next() == null ? "" : page.next()).build());
      out.onCompleted();
    } catch (RuntimeException e) {
      out.onError(failure(e));
    }
  }

  @Override
  public void backup(dev.meridian.peer.proto.BackupRequest request,
      StreamObserver<dev.meridian.peer.proto.BackupChunk> out) {
    BackupStream.start(store,
        (ServerCallStreamObserver<dev.meridian.peer.proto.BackupChunk>) out);
  }

  @Override
  public void watch(WatchRequest request, StreamObserver<WatchEvent> out) {
    ServerCallStreamObserver<WatchEvent> call = (ServerCallStreamObserver<WatchEvent>) out;
    String client = CLIENT.get();
    if (!watchesPerClient.acquire(client)) {
      out.onError(Status.RESOURCE_EXHAUSTED.withDescription("this connection holds "
          + MAX_WATCHES_PER_CONNECTION + " watches, the most one connection may hold; close one"
          + " first").asRuntimeException());
      return;
    }
    WatchStream stream = new WatchStream(call, request.getIncludeDocuments(), watchBuffer,
        watchBufferBytes, allWatches, () -> watchesPerClient.release(client));
    call.setOnReadyHandler(stream::drain);
    call.setOnCancelHandler(stream::cancelled);
    try {
      stream.started(request.getSince().isEmpty() ? store.watch(request.getPrefix(), stream)
          : store.watch(request.getPrefix(), request.getSince(), stream));
    } catch (RuntimeException e) {
      stream.released();
      out.onError(failure(e));
    }
  }

  /**
   * One client's watch: a watcher that never blocks. Events go out while the call is ready and
   * wait in a bounded buffer otherwise; a client that lets more than {@link #WATCH_BUFFER} events
   * (or {@link #WATCH_BUFFER_BYTES} bytes) pile up beyond what gRPC's flow control holds, or
   * whose events would take the buffers of all watches past {@link #ALL_WATCHES_BUFFER_BYTES}, is
   * ended with RESOURCE_EXHAUSTED, so a stalled client holds no thread and a bounded amount of
   * memory, and stalled clients together a bounded amount too. A change's document is rendered
   * once for all watches ({@link Change#json()}).
   */
  private static final class WatchStream implements Watcher, Watches.Paced {
    private final ServerCallStreamObserver<WatchEvent> call;
    private final boolean documents;
    private final int maxEvents;
    private final long maxBytes;
    private final WatchBudget all;
    private final Runnable release;
    private final java.util.ArrayDeque<WatchEvent> buffer = new java.util.ArrayDeque<>();
    /** Written under this stream's lock; read without it by {@link WatchBudget#endLargest}. */
    private volatile long bufferedBytes;
    private boolean done;
    private boolean completeAfterDrain;
    private boolean releasedOnce;
    private Meridian.Watch watch;
    private String lastCursor = "";
    private Runnable onReady;

    WatchStream(ServerCallStreamObserver<WatchEvent> call, boolean documents, int maxEvents,
        long maxBytes, WatchBudget all, Runnable release) {
      this.call = call;
      this.documents = documents;
      this.maxEvents = maxEvents;
      this.maxBytes = maxBytes;
      this.all = all;
      this.release = release;
      all.register(this);
    }

    synchronized void started(Meridian.Watch w) {
      watch = w;
      if (done) {
        w.close();
      }
    }

    @Override
    public void onChange(Change change) {
      WatchEvent.Builder e = WatchEvent.newBuilder().setKey(change.key())
          .setOrigin(switch (change.origin()) {
            case LOCAL -> WatchEvent.Origin.LOCAL;
            case REMOTE -> WatchEvent.Origin.REMOTE;
            case RESUMED -> WatchEvent.Origin.RESUMED;
          })
          .setCursor(change.cursor());
      if (documents) {
        e.setJson(change.json());
      }
      send(e.build());
    }

    @Override
    public void onCaughtUp(String cursor) {
      send(WatchEvent.newBuilder().setCaughtUp(true).setCursor(cursor).build());
    }

    /** A resumed watch's catch-up waits while half the buffer is taken. */
    @Override
    public synchronized boolean ready() {
      return done || buffer.size() < Math.max(1, maxEvents / 2);
    }

    @Override
    public void whenReady(Runnable resume) {
      synchronized (this) {
        if (!ready()) {
          onReady = resume;
          return;
        }
      }
      resume.run();
    }

    /**
     * Sends {@code event} now if the call is ready and nothing waits before it, else buffers it.
     * Buffered bytes count against the budget of all watches; when it is spent, the watch holding
     * the most is ended (this one, if none holds more), and the event is buffered if that made
     * room. The ending happens with no stream's lock held, so two streams never wait for each
     * other.
     */
    private void send(WatchEvent event) {
      synchronized (this) {
        if (done) {
          return;
        }
        if (buffer.isEmpty() && call.isReady()) {
          call.onNext(event);
          lastCursor = event.getCursor();
          return;
        }
      }
      int size = event.getSerializedSize();
      boolean taken = all.take(size);
      if (!taken) {
        all.endLargest(size);
        taken = all.take(size);
      }
      synchronized (this) {
        if (done) {
          if (taken) {
            all.give(size);
          }
          return;
        }
        if (!taken) {
          endForBudget();
          return;
        }
        buffer.add(event);
        bufferedBytes += size;
        if (buffer.size() > maxEvents || bufferedBytes > maxBytes) {
          finish(Status.RESOURCE_EXHAUSTED.withDescription("the client fell more than "
              + maxEvents + " changes (or " + maxBytes + " bytes) behind; resume from the last"
              + " cursor sent: " + lastCursor));
          return;
        }
        drain(); // the call may have become ready since it was looked at
      }
    }

    /** Ends this watch because the buffers of all watches are full and this one holds the most. */
    synchronized void endForBudget() {
      if (!done) {
        finish(Status.RESOURCE_EXHAUSTED.withDescription("the client fell behind while the "
            + "watches of this peer hold " + all.limit() + " bytes of changes their clients have"
            + " not read, the most it holds for all of them, and this watch held the most;"
            + " resume from the last cursor sent: " + lastCursor));
      }
    }

    /** Bytes buffered now. */
    long bufferedBytes() {
      return bufferedBytes;
    }

    @Override
    public synchronized void onEnd(String reason) {
      if (done) {
        return;
      }
      if (reason == null) {
        completeAfterDrain = true;
        drain();
      } else {
        boolean behind = reason.contains("behind");
        finish((behind ? Status.RESOURCE_EXHAUSTED : Status.UNAVAILABLE).withDescription(behind
            ? reason + "; resume from the last cursor sent: " + lastCursor : reason));
      }
    }

    /** Sends buffered events while the call is ready (gRPC's onReady, and after a change). */
    synchronized void drain() {
      while (!done && !buffer.isEmpty() && call.isReady()) {
        WatchEvent e = buffer.poll();
        int size = e.getSerializedSize();
        bufferedBytes -= size;
        all.give(size);
        call.onNext(e);
        lastCursor = e.getCursor();
      }
      if (onReady != null && ready()) {
        Runnable r = onReady;
        onReady = null;
        r.run(); // only schedules the watch's drain on its pool
      }
      if (!done && buffer.isEmpty() && completeAfterDrain) {
        done = true;
        call.onCompleted();
        released();
      }
    }

    synchronized void cancelled() {
      done = true;
      clearBuffer();
      if (watch != null) {
        watch.close();
      }
      released();
    }

    private void clearBuffer() {
      buffer.clear();
      all.give(bufferedBytes);
      bufferedBytes = 0;
    }

    private void finish(Status status) {
      done = true;
      clearBuffer();
      if (!call.isCancelled()) {
        call.onError(status.asRuntimeException());
      }
      if (watch != null) {
        watch.close();
      }
      released();
    }

    synchronized void released() {
      if (!releasedOnce) {
        releasedOnce = true;
        all.unregister(this);
        release.run();
      }
    }
  }

  /**
   * Bytes buffered by all watches of the service, up to a limit, and the watches that may hold
   * some (thread-safe).
   */
  static final class WatchBudget {
    private final long limit;
    private final java.util.concurrent.atomic.AtomicLong used =
        new java.util.concurrent.atomic.AtomicLong();
    private final java.util.Set<WatchStream> streams =
        java.util.concurrent.ConcurrentHashMap.newKeySet();

    void register(WatchStream s) {
      streams.add(s);
    }

    void unregister(WatchStream s) {
      streams.remove(s);
    }

    /**
     * Ends the watch holding the most buffered bytes, if the budget cannot take {@code wanted}
     * more: it is the furthest behind of the watches whose clients do not read.
     */
    void endLargest(long wanted) {
      if (used.get() + wanted <= limit) {
        return;
      }
      WatchStream largest = null;
      long most = 0;
      for (WatchStream s : streams) {
        long b = s.bufferedBytes();
        if (b > most) {
          most = b;
          largest = s;
        }
      }
      if (largest != null) {
        largest.endForBudget();
      }
    }

    WatchBudget(long limit) {
      this.limit = limit;
    }

    /** Takes {@code n} bytes if that keeps the total within the limit; false otherwise. */
    boolean take(long n) {
      while (true) {
        long u = used.get();
        if (u + n > limit) {
          return false;
        }
        if (used.compareAndSet(u, u + n)) {
          return true;
        }
      }
    }

    /** Gives back {@code n} bytes taken before. */
    void give(long n) {
      used.addAndGet(-n);
    }

    long limit() {
      return limit;
    }

    /** The bytes taken now. */
    long used() {
      return used.get();
    }
  }

  /** Counts the watches of each client connection, up to a limit each. */
  private static final class PerClient {
    private final java.util.HashMap<String, Integer> counts = new java.util.HashMap<>();
    private final int max;

    PerClient(int max) {
      this.max = max;
    }

    synchronized boolean acquire(String client) {
      int n = counts.getOrDefault(client, 0);
      if (n >= max) {
        return false;
      }
      counts.put(client, n + 1);
      return true;
    }

    synchronized void release(String client) {
      counts.computeIfPresent(client, (k, n) -> n <= 1 ? null : n - 1);
    }
  }

  @Override
  public void status(StatusRequest request, StreamObserver<StatusResponse> out) {
    try {
      Meridian.Status s = store.status();
      StatusResponse.Builder b = StatusResponse.newBuilder().setSite(s.site())
          .setReplicaId(s.replicaId()).setListenAddress(s.listenAddress())
          .setDocuments(s.documents()).setSizeOnDisk(s.sizeOnDisk())
          .setLocalWrites(s.localWrites()).addAllConfiguredPeers(s.configuredPeers());
      long now = System.nanoTime();
      for (PeerStats p : s.peers()) {
        b.addPeers(PeerStatus.newBuilder()
            .setReplicaId(p.peer() == null ? "" : p.peer().toString())
            .setAddress(p.address() == null ? "" : p.address()).setOutbound(p.outbound())
            .setState(p.state()).setLag(p.lagDots()).setDeltasIn(p.deltasIn())
            .setDeltasOut(p.deltasOut())
            .setLastContactMillisAgo(p.lastContactNanos() < 0 ? -1
                : Math.max(0, (now - p.lastContactNanos()) / 1_000_000)));
      }
      out.onNext(b.build());
      out.onCompleted();
    } catch (RuntimeException e) {
      out.onError(failure(e));
    }
  }

  // ---- operations -------------------------------------------------------------------------------

  /** Checks one operation (paths, JSON) and returns it as a mutation. */
  static Function<Document, Document> operation(int i, Operation op) {
    String where = "operation " + (i + 1) + " (" + op.getOpCase().name().toLowerCase() + ")";
    try {
      switch (op.getOpCase()) {
        case SET: {
          String path = path(op.getSet().getPath());
          Object v = JsonValues.parse(op.getSet().getValueJson());
          if (v instanceof Map) {
            Map<String, ?> m = objectContent(v, "");
            return d -> d.putMap(path, m);
          }
          if (v instanceof List) {
            throw new IllegalArgumentException(
                "set takes a scalar or an object; for a set use add, for a list insert");
          }
          return d -> d.set(path, v);
        }
        case INCREMENT: {
          String path = path(op.getIncrement().getPath());
          long amount = op.getIncrement().getAmount();
          return d -> d.increment(path, amount);
        }
        case ADD: {
          String path = path(op.getAdd().getPath());
          Object e = scalar(JsonValues.parse(op.getAdd().getElementJson()));
          return d -> d.add(path, e);
        }
        case REMOVE_ELEMENT: {
          String path = path(op.getRemoveElement().getPath());
          Object e = scalar(JsonValues.parse(op.getRemoveElement().getElementJson()));
          return d -> d.removeElement(path, e);
        }
        case ENABLE: {
          String path = path(op.getEnable().getPath());
          return d -> d.enable(path);
        }
        case DISABLE: {
          String path = path(op.getDisable().getPath());
          return d -> d.disable(path);
        }
        case REMOVE: {
          String path = path(op.getRemove().getPath());
          return d -> d.remove(path);
        }
        case LIST_INSERT: {
          String path = path(op.getListInsert().getPath());
          int index = nonNegative("index", op.getListInsert().getIndex());
          Object v = JsonValues.parse(op.getListInsert().getValueJson());
          if (v instanceof Map) {
            objectContent(v, "");
          } else if (v instanceof List) {
            throw new IllegalArgumentException(
                "a list element is a scalar or an object, not an array");
          }
          return d -> d.insert(path, index, v);
        }
        case LIST_DELETE: {
          String path = path(op.getListDelete().getPath());
          int index = nonNegative("index", op.getListDelete().getIndex());
          int count = nonNegative("count", op.getListDelete().getCount());
          return d -> d.delete(path, index, count);
        }
        case TEXT_INSERT: {
          String path = path(op.getTextInsert().getPath());
          int index = nonNegative("index", op.getTextInsert().getIndex());
          String text = op.getTextInsert().getText();
          if (text.isEmpty()) {
            throw new IllegalArgumentException("nothing to insert");
          }
          return d -> d.insertText(path, index, text);
        }
        case TEXT_DELETE: {
          String path = path(op.getTextDelete().getPath());
          int index = nonNegative("index", op.getTextDelete().getIndex());
          int count = nonNegative("count", op.getTextDelete().getCount());
          return d -> d.deleteText(path, index, count);
        }
        case OP_NOT_SET:
        default:
          throw new IllegalArgumentException("operation " + (i + 1)
              + " is empty or of a kind this peer does not know (known: set, increment, add,"
              + " remove_element, enable, disable, remove, list_insert, list_delete, text_insert,"
              + " text_delete)");
      }
    } catch (IllegalArgumentException e) {
      if (op.getOpCase() == Operation.OpCase.OP_NOT_SET) {
        throw e;
      }
      throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
    }
  }

  private static String path(String p) {
    dev.meridian.crdt.doc.Path.parse(p); // syntax only; types are checked against the document
    return p;
  }

  /**
   * Checks a JSON object written as a map: nested objects become maps, arrays become sets (of
   * scalars: sorted, without duplicates), everything else registers.
   *
   * @throws IllegalArgumentException naming the key of an array that holds an object or an array
   */
  @SuppressWarnings("unchecked")
  private static Map<String, ?> objectContent(Object v, String at) {
    Map<String, ?> m = (Map<String, ?>) v;
    for (Map.Entry<String, ?> e : m.entrySet()) {
      String key = at.isEmpty() ? e.getKey() : at + "." + e.getKey();
      if (e.getValue() instanceof Map) {
        objectContent(e.getValue(), key);
      } else if (e.getValue() instanceof List) {
        for (Object element : (List<?>) e.getValue()) {
          if (element instanceof Map || element instanceof List) {
            throw new IllegalArgumentException("the array at '" + key + "' holds an "
                + (element instanceof Map ? "object" : "array") + ": an array inside an object"
                + " is stored as a set of scalars; build a list of objects with insert");
          }
        }
      }
    }
    return m;
  }

  private static Object scalar(Object v) {
    if (v instanceof Map || v instanceof List) {
      throw new IllegalArgumentException("set elements are scalars (string, number, boolean, null)");
    }
    return v;
  }

  private static int nonNegative(String what, int v) {
    if (v < 0) {
      throw new IllegalArgumentException(what + " must not be negative: " + v);
    }
    return v;
  }

  // ---- errors -----------------------------------------------------------------------------------

  /**
   * Ends a unary call whose work finished with {@code failure} (null on success): with the reply
   * {@code response} builds, or with the status {@code statusOf} gives the failure or a failure to
   * build the reply. Never throws, so a failure here cannot leave the call hanging.
   */
  static <T> void reply(StreamObserver<T> out, Throwable failure, Supplier<T> response,
      Function<Throwable, StatusRuntimeException> statusOf) {
    T r;
    try {
      if (failure != null) {
        out.onError(statusOf.apply(failure));
        return;
      }
      r = response.get();
    } catch (RuntimeException e) {
      out.onError(statusOf.apply(e));
      return;
    }
    out.onNext(r);
    out.onCompleted();
  }

  /**
   * The status for a failure of a call to this peer: as {@link #status}, except that an {@link
   * IllegalStateException} from a peer that is shutting down is {@code UNAVAILABLE} (try again,
   * elsewhere or later).
   */
  private StatusRuntimeException failure(Throwable t) {
    Throwable cause = unwrap(t);
    if (cause instanceof IllegalStateException && store.isClosed()) {
      return Status.UNAVAILABLE.withDescription("the peer is shutting down").asRuntimeException();
    }
    return status(cause);
  }

  /**
   * The status for a failure: the client's fault ({@code INVALID_ARGUMENT}), the document's state
   * ({@code FAILED_PRECONDITION}), a store that cannot serve ({@code UNAVAILABLE}), or ours
   * ({@code INTERNAL}, logged).
   */
  static StatusRuntimeException status(Throwable t) {
    t = unwrap(t);
    if (t instanceof StatusRuntimeException) {
      return (StatusRuntimeException) t;
    }
    if (t instanceof Watches.TooManyWatchesException) {
      return Status.RESOURCE_EXHAUSTED.withDescription(t.getMessage()).asRuntimeException();
    }
    if (t instanceof TypeClashException || t instanceof IndexOutOfBoundsException
        || t instanceof DocumentSizeLimit.DocumentTooLargeException) {
      return Status.FAILED_PRECONDITION.withDescription(t.getMessage()).asRuntimeException();
    }
    if (t instanceof IllegalArgumentException) {
      return Status.INVALID_ARGUMENT.withDescription(t.getMessage()).asRuntimeException();
    }
    if (t instanceof StoreException) {
      return Status.UNAVAILABLE.withDescription(t.getMessage()).asRuntimeException();
    }
    LOG.error("request failed", t);
    // Our words, not the exception's text (which can name classes and internals): what happened,
    // and where the details are.
    return Status.INTERNAL.withDescription("the peer failed to handle this request (an error of"
        + " the peer, not of the request: " + t.getClass().getSimpleName() + "); its log has the"
        + " details").asRuntimeException();
  }

  private static Throwable unwrap(Throwable t) {
    while (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }
}
