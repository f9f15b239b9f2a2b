package dev.meridian.peer.testkit;

import dev.meridian.crdt.ReplicaId;
import dev.meridian.persistence.MapDbDocStore;
import dev.meridian.persistence.StoreOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

/**
 * Empty data directories made once per JVM and copied for each new site: creating a store writes
 * and checksums two MapDB files of a mebibyte each, most of a short schedule's cost, while a copy
 * of a directory that was opened and closed once is the same store restarted. Replica ids come
 * from a fixed pool (each cluster draws its sites' ids from it by its seed, so every order of ids
 * appears), so the directories can be shared; ids need to be unique only within one cluster.
 * Everything lives under one directory per JVM and data root, which a shutdown hook deletes (a
 * cluster abandoned mid-run, say by a test engine's timeout, leaves nothing behind).
 */
final class Templates {
  /** Replica ids a cluster's sites draw from. */
  static final int POOL = 32;
  private static final List<ReplicaId> IDS = pool();
  private static final Map<Path, Path> ROOTS = new HashMap<>();
  private static final Map<Path, Map<ReplicaId, List<FileImage>>> MADE = new HashMap<>();
  private static final int BLOCK = 16 << 10;

  private Templates() {}

  private static List<ReplicaId> pool() {
    Random r = new Random(0x6D657269L);
    List<ReplicaId> ids = new ArrayList<>();
    while (ids.size() < POOL) {
      ReplicaId id = ReplicaId.of(r.nextLong());
      if (!ids.contains(id)) {
        ids.add(id);
      }
    }
    return ids;
  }

  /** {@code n} distinct replica ids from the pool, drawn by {@code random}. */
  static List<ReplicaId> draw(Random random, int n) {
    List<ReplicaId> ids = new ArrayList<>(IDS);
    java.util.Collections.shuffle(ids, random);
    return List.copyOf(ids.subList(0, n));
  }

  /** Copies an empty store of replica {@code id} into {@code dir} (which must not exist). */
  static void copy(Path dataRoot, ReplicaId id, Path dir) throws IOException {
    Files.createDirectories(dir);
    for (FileImage f : template(dataRoot, id)) {
      Path to = dir.resolve(f.path());
      Files.createDirectories(to.getParent());
      try (FileChannel out = FileChannel.open(to, StandardOpenOption.CREATE_NEW,
          StandardOpenOption.WRITE)) {
        for (Block b : f.blocks()) {
          ByteBuffer bytes = ByteBuffer.wrap(b.bytes());
          while (bytes.hasRemaining()) {
            out.write(bytes, b.offset() + bytes.position());
          }
        }
        if (out.size() < f.size()) {
          out.write(ByteBuffer.allocate(1), f.size() - 1); // the length; the rest stays a hole
        }
      }
    }
  }

  /** A block of a file that is not all zeros. */
  @SuppressWarnings("ArrayRecordComponent") // built once per template, only read to copy it
  private record Block(long offset, byte[] bytes) {}

  /**
   * A template file as its non-zero blocks: an empty store's MapDB files are 2 MiB of mostly
   * zeros, and on a memory file system every page written is one to allocate, map, hash and free
   * again, so a copy writes only these and leaves holes.
   */
  private record FileImage(String path, long size, List<Block> blocks) {
    static FileImage of(Path root, Path file) throws IOException {
      byte[] all = Files.readAllBytes(file);
      List<Block> blocks = new ArrayList<>();
      for (int at = 0; at < all.length; at += BLOCK) {
        int end = Math.min(all.length, at + BLOCK);
        for (int i = at; i < end; i++) {
          if (all[i] != 0) {
            blocks.add(new Block(at, java.util.Arrays.copyOfRange(all, at, end)));
            break;
          }
        }
      }
      return new FileImage(root.relativize(file).toString(), all.length, List.copyOf(blocks));
    }
  }

  /** A fresh directory for one cluster, under this JVM's directory in {@code dataRoot}. */
  static synchronized Path clusterDir(Path dataRoot) throws IOException {
    return Files.createTempDirectory(root(dataRoot), "cluster-");
  }

  private static Path root(Path dataRoot) throws IOException {
    Path root = ROOTS.get(dataRoot);
    if (root == null) {
      Files.createDirectories(dataRoot);
      root = Files.createTempDirectory(dataRoot, "meridian-testkit-");
      Path made = root;
      Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(made),
          "meridian-testkit-cleanup"));
      ROOTS.put(dataRoot, root);
    }
    return root;
  }

  private static synchronized List<FileImage> template(Path dataRoot, ReplicaId id)
      throws IOException {
    Map<ReplicaId, List<FileImage>> made = MADE.computeIfAbsent(dataRoot, k -> new HashMap<>());
    List<FileImage> images = made.get(id);
    if (images == null) {
      Path dir = root(dataRoot).resolve("template-" + id);
      MapDbDocStore.open(StoreOptions.in(dir).byHand().newReplicaId(id).wallClock(() -> 0)
          .build()).close();
      List<FileImage> files = new ArrayList<>();
      try (Stream<Path> all = Files.walk(dir)) {
        for (Path p : all.filter(Files::isRegularFile).toList()) {
          files.add(FileImage.of(dir, p));
        }
      }
      delete(dir);
      images = List.copyOf(files);
      made.put(id, images);
    }
    return images;
  }

  private static void delete(Path root) {
    try (Stream<Path> all = Files.walk(root)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException | UncheckedIOException e) {
      // At exit, in a temporary directory: nothing to report to.
    }
  }
}
