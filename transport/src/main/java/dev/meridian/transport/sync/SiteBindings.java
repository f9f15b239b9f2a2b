package dev.meridian.transport.sync;

import dev.meridian.crdt.ReplicaId;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;

/**
 * The site each peer replica id was first seen under. A replica id belongs to one data directory,
 * and a data directory to one site, so a Hello that claims a known replica id under another site
 * is an impersonation and is refused. Bindings are only ever added: a site whose data directory
 * is wiped comes back with a new replica id, bound afresh.
 *
 * <p>Called from the replication engine's thread only.
 */
public interface SiteBindings {
  /** The site {@code replica} was bound to, or null if it was never seen with one. */
  String siteOf(ReplicaId replica);

  /**
   * Binds {@code replica} to {@code site} (it has none yet); durable before it returns if the
   * implementation is.
   *
   * @throws UncheckedIOException if a durable binding cannot be written (the Hello is then
   *     refused, as the binding could not be kept)
   */
  void bind(ReplicaId replica, String site);

  /** Bindings for this process's life only. */
  static SiteBindings inMemory() {
    Map<ReplicaId, String> m = new HashMap<>();
    return new SiteBindings() {
      @Override
      public String siteOf(ReplicaId replica) {
        return m.get(replica);
      }

      @Override
      public void bind(ReplicaId replica, String site) {
        m.putIfAbsent(replica, site);
      }
    };
  }

  /**
   * Durable bindings in {@code file}: one line per binding, "replica-id site", appended and
   * fsynced before {@link #bind} returns; read back whole on open (a torn last line, from a crash
   * during its append, was never acted on and is dropped).
   *
   * @throws IOException if the file exists but cannot be read
   */
  static SiteBindings file(Path file) throws IOException {
    Map<ReplicaId, String> m = new HashMap<>();
    if (Files.exists(file)) {
      String text = Files.readString(file, StandardCharsets.UTF_8);
      int end = text.lastIndexOf('\n') + 1; // complete lines only
      if (end < text.length()) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
          ch.truncate(text.substring(0, end).getBytes(StandardCharsets.UTF_8).length);
          ch.force(true);
        }
      }
      for (String line : text.substring(0, end).split("\n")) {
        String[] parts = line.trim().split(" ");
        if (parts.length == 2 && SyncConfig.SITE.matcher(parts[1]).matches()) {
          try {
            m.putIfAbsent(ReplicaId.parse(parts[0]), parts[1]);
          } catch (IllegalArgumentException e) {
            throw new IOException(file + ": not a replica id: '" + parts[0] + "'", e);
          }
        } else if (!line.isBlank()) {
          throw new IOException(file + ": not a 'replica-id site' line: '" + line + "'");
        }
      }
    }
    return new SiteBindings() {
      @Override
      public String siteOf(ReplicaId replica) {
        return m.get(replica);
      }

      @Override
      public void bind(ReplicaId replica, String site) {
        if (m.containsKey(replica)) {
          return;
        }
        byte[] line = (replica + " " + site + "\n").getBytes(StandardCharsets.UTF_8);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE,
            StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
          ch.write(java.nio.ByteBuffer.wrap(line));
          ch.force(true);
        } catch (IOException e) {
          throw new UncheckedIOException("cannot record the site of replica " + replica + " in "
              + file, e);
        }
        m.put(replica, site);
      }
    };
  }
}
