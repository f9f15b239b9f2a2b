package dev.meridian.peer;

import dev.meridian.crdt.doc.Document;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * One change to one document, as a {@linkplain Meridian#watch watcher} sees it: which document,
 * and whether a local write or changes received from another peer made it.
 *
 * <p>A change is announced once it is durable at this peer. {@link #document()} reads the document
 * when called, so it shows this change and possibly later ones.
 */
public final class Change {
  /** Where a change came from. */
  public enum Origin {
    /** A write made through this peer ({@link Meridian#update}, {@link Meridian#delete}). */
    LOCAL,
    /** Changes received from another peer by replication. */
    REMOTE
  }

  private final String key;
  private final Origin origin;
  private final Function<String, Optional<Document>> reader;

  Change(String key, Origin origin, Function<String, Optional<Document>> reader) {
    this.key = Objects.requireNonNull(key, "key");
    this.origin = Objects.requireNonNull(origin, "origin");
    this.reader = reader;
  }

  /** The document's key. */
  public String key() {
    return key;
  }

  /** Whether the change was made here or received from a peer. */
  public Origin origin() {
    return origin;
  }

  /**
   * The document as it is now (a read-only copy), or empty if it is empty or deleted; see {@link
   * Meridian#get}.
   */
  public Optional<Document> document() {
    return reader.apply(key);
  }

  @Override
  public String toString() {
    return origin + " " + key;
  }
}
