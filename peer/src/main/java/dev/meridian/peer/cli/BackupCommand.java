package dev.meridian.peer.cli;

import dev.meridian.peer.proto.BackupChunk;
import dev.meridian.peer.proto.BackupRequest;
import dev.meridian.peer.proto.DocumentsGrpc;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code meridian backup DIR}: streams a consistent backup of a running peer into a new
 * directory. The backup is complete only once its {@code BACKUP} marker is written, which the
 * peer sends last; a backup that stopped part way is refused by {@code meridian restore}.
 */
@Command(name = "backup", mixinStandardHelpOptions = true, version = Main.VERSION,
    parameterListHeading = "%nArguments:%n", optionListHeading = "%nOptions:%n",
    sortOptions = false,
    description = {
        "Writes a backup of a running peer into a new directory.",
        "",
        "The backup is taken while writes go on and holds every write acknowledged",
        "before the command started. Restore it with `meridian restore`, which makes a",
        "data directory with a new replica id. No deadline applies (--timeout is ignored).",
    },
    footerHeading = "%nExamples:%n",
    footer = {
        "  meridian backup /backups/peer-a-2026-12-03",
        "  meridian restore /backups/peer-a-2026-12-03 --data-dir /var/lib/meridian-a2",
    })
final class BackupCommand extends ClientCommand {
  @Parameters(index = "0", paramLabel = "DIR",
      description = "The directory to write the backup into: absent or empty.")
  Path target;

  @Override
  void validate() {
    if (Files.isRegularFile(target)) {
      throw usage(target + " is a file; give a directory to write the backup into");
    }
    if (Files.isDirectory(target)) {
      try (Stream<Path> s = Files.list(target)) {
        if (s.findAny().isPresent()) {
          throw usage(target + " is not empty; give a new or empty directory");
        }
      } catch (IOException e) {
        throw usage("cannot read " + target + ": " + e.getMessage());
      }
    }
  }

  @Override
  int run(DocumentsGrpc.DocumentsBlockingStub stub) {
    Path root = target.toAbsolutePath().normalize();
    long bytes = 0;
    try {
      Files.createDirectories(root);
      Iterator<BackupChunk> it = stub.backup(BackupRequest.getDefaultInstance());
      while (it.hasNext()) {
        BackupChunk c = it.next();
        if (c.getDone()) {
          out().println("backup of replica " + c.getReplicaId() + " written to " + target + " ("
              + c.getBytes() + " bytes)");
          return Main.OK;
        }
        Path file = root.resolve(c.getPath()).normalize();
        if (c.getPath().isEmpty() || !file.startsWith(root) || file.equals(root)) {
          err().println("error: the peer sent a file outside the backup directory: '"
              + c.getPath() + "'; the backup in " + target + " is incomplete");
          return Main.FAILED;
        }
        Files.createDirectories(file.getParent());
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE,
            StandardOpenOption.WRITE)) {
          ch.write(c.getData().asReadOnlyByteBuffer(), c.getOffset());
          ch.force(true);
        }
        bytes += c.getData().size();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    err().println("error: the peer ended the backup before it was complete (" + bytes
        + " bytes written); the backup in " + target + " is incomplete");
    return Main.FAILED;
  }
}
