package dev.meridian.peer.cli;

import dev.meridian.persistence.Backups;
import dev.meridian.persistence.StoreException;
import dev.meridian.persistence.StoreOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code meridian restore BACKUP --data-dir DIR}: makes a new data directory from a backup, with a
 * new replica id (never the backed-up one: two replicas issuing the same ids would diverge). Runs
 * without a peer; start one on the directory afterwards and it converges with the cluster.
 */
@Command(name = "restore", mixinStandardHelpOptions = true, version = Main.VERSION,
    parameterListHeading = "%nArguments:%n", optionListHeading = "%nOptions:%n",
    sortOptions = false,
    description = {
        "Makes a new data directory from a backup, with a new replica id.",
        "",
        "Every document of the backup is in the new directory; the peer started on it",
        "then catches up with the cluster like any peer that was away. Documents deleted",
        "in the cluster after the backup stay deleted. Runs offline (no peer needed).",
    },
    footerHeading = "%nExamples:%n",
    footer = {
        "  meridian restore /backups/peer-a-2026-12-03 --data-dir /var/lib/meridian-a2",
        "  meridian peer --data-dir /var/lib/meridian-a2 --peer 10.0.0.2:7400",
    })
final class RestoreCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Parameters(index = "0", paramLabel = "BACKUP", description = "A directory `meridian backup` wrote.")
  Path backup;

  @Option(names = "--data-dir", paramLabel = "DIR", required = true,
      description = "The new data directory: absent or empty.")
  Path dataDir;

  @Override
  public Integer call() {
    if (!Files.isDirectory(backup)) {
      spec.commandLine().getErr().println("error: no backup directory " + backup);
      return Main.FAILED;
    }
    try {
      if (Files.isDirectory(dataDir)) {
        try (var s = Files.list(dataDir)) {
          if (s.findAny().isPresent()) {
            spec.commandLine().getErr().println("error: the data directory " + dataDir
                + " is not empty; restore into a new or empty directory");
            return Main.FAILED;
          }
        }
      }
      Backups.Restored r = Backups.restore(backup,
          StoreOptions.in(dataDir.resolve("store")).build());
      spec.commandLine().getOut().println("restored " + r.documents() + " documents of replica "
          + r.from() + " into " + dataDir + " as new replica " + r.as());
      return Main.OK;
    } catch (StoreException e) {
      spec.commandLine().getErr().println("error: " + e.getMessage());
      return Main.FAILED;
    } catch (IOException e) {
      spec.commandLine().getErr().println("error: restoring " + backup + " failed: "
          + e.getMessage());
      return Main.FAILED;
    }
  }
}
