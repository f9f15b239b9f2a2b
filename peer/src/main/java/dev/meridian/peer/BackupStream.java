package dev.meridian.peer;

import com.google.protobuf.ByteString;
import dev.meridian.peer.proto.BackupChunk;
import dev.meridian.persistence.Backups;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client API's {@code Backup} call: the store's backup is written into a staging directory in
 * the data directory, then streamed file by file in chunks of {@link #CHUNK} bytes, as fast as
 * the client reads (gRPC flow control: nothing is read ahead while the call is not ready), the
 * completion marker last; the staging directory is deleted at the end, whatever happens.
 *
 * <p>One backup at a time per peer. The gRPC executor runs {@link #drain} serially (the call's
 * on-ready handler), so the stream's state needs no lock.
 */
final class BackupStream {
  static final int CHUNK = 1 << 20;
  private static final String STAGING = ".backup-staging";
  private static final Logger LOG = LoggerFactory.getLogger(BackupStream.class);
  /** The staging directories of the backups running (one per peer at a time). */
  private static final java.util.Set<Path> RUNNING =
      java.util.concurrent.ConcurrentHashMap.newKeySet();

  private final ServerCallStreamObserver<BackupChunk> call;
  private final Path staging;
  private final Deque<Path> files;
  private final Backups.Taken taken;
  private InputStream in;
  private String path;
  private long offset;
  private long sent;
  private boolean finished;

  private BackupStream(ServerCallStreamObserver<BackupChunk> call, Path staging,
      Deque<Path> files, Backups.Taken taken) {
    this.call = call;
    this.staging = staging;
    this.files = files;
    this.taken = taken;
  }

  /** Removes a staging directory a stopped peer left behind; returns where backups stage. */
  static Path clearStaging(Path dataDir) throws IOException {
    Path staging = dataDir.resolve(STAGING);
    Backups.delete(staging);
    return staging;
  }

  /** Takes the backup and starts streaming it on {@code call}. */
  static void start(Meridian peer, ServerCallStreamObserver<BackupChunk> call) {
    Path staging = peer.backupStaging();
    if (staging == null) {
      call.onError(Status.FAILED_PRECONDITION.withDescription(
          "this peer's store is in memory: nothing to back up").asRuntimeException());
      return;
    }
    if (!RUNNING.add(staging)) {
      call.onError(Status.FAILED_PRECONDITION.withDescription(
          "a backup of this peer is already running; try again when it ends")
          .asRuntimeException());
      return;
    }
    try {
      Backups.delete(staging);
      Backups.Taken taken = peer.backup(staging);
      List<Path> all = new ArrayList<>();
      try (Stream<Path> s = Files.walk(staging)) {
        s.filter(Files::isRegularFile).forEach(all::add);
      }
      Path marker = staging.resolve(Backups.MARKER);
      all.remove(marker);
      Collections.sort(all);
      all.add(marker); // last: a client that has it has everything
      BackupStream stream = new BackupStream(call, staging, new ArrayDeque<>(all), taken);
      call.setOnCancelHandler(stream::cancelled);
      call.setOnReadyHandler(stream::drain);
    } catch (IOException | RuntimeException e) {
      LOG.warn("backup failed: {}", e.toString());
      cleanUp(staging);
      call.onError(Status.UNAVAILABLE.withDescription("the backup failed: " + e.getMessage())
          .asRuntimeException());
    }
  }

  /** Sends chunks while the call is ready; the last message once every file is sent. */
  private void drain() {
    try {
      while (!finished && call.isReady()) {
        if (in == null) {
          Path next = files.poll();
          if (next == null) {
            finished = true;
            call.onNext(BackupChunk.newBuilder().setDone(true)
                .setReplicaId(taken.replica().toString()).setBytes(sent).build());
            call.onCompleted();
            finish();
            return;
          }
          path = staging.relativize(next).toString().replace(java.io.File.separatorChar, '/');
          in = Files.newInputStream(next);
          offset = 0;
          if (Files.size(next) == 0) {
            call.onNext(BackupChunk.newBuilder().setPath(path).setOffset(0).build());
          }
        }
        byte[] data = in.readNBytes(CHUNK);
        if (data.length == 0) {
          in.close();
          in = null;
          continue;
        }
        call.onNext(BackupChunk.newBuilder().setPath(path).setOffset(offset)
            .setData(ByteString.copyFrom(data)).build());
        offset += data.length;
        sent += data.length;
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("streaming a backup failed: {}", e.toString());
      finish();
      call.onError(Status.UNAVAILABLE.withDescription("the backup failed while streaming: "
          + e.getMessage()).asRuntimeException());
    }
  }

  private void cancelled() {
    if (!finished) {
      finished = true;
      LOG.info("a client cancelled its backup");
      finish();
    }
  }

  private void finish() {
    finished = true;
    closeInput();
    cleanUp(staging);
  }

  private void closeInput() {
    if (in != null) {
      try {
        in.close();
      } catch (IOException e) {
        LOG.debug("closing a backup file failed", e);
      }
      in = null;
    }
  }

  private static void cleanUp(Path staging) {
    try {
      Backups.delete(staging);
    } catch (IOException e) {
      LOG.warn("removing the backup staging directory {} failed: {}", staging, e.toString());
    } finally {
      RUNNING.remove(staging);
    }
  }
}
