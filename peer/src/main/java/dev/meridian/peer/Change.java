package dev.meridian.peer;

import dev.meridian.crdt.doc.Document;
import dev.meridian.crdt.clock.CausalContext;
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
    REMOTE,
    /**
     * Changes made while a resumed watch was away: one per document (coalesced), sent before the
     * live changes when a watch starts from a cursor.
     */
    RESUMED
  }

  private final String key;
  private final Origin origin;
  private final Function<String, Optional<Document>> reader;
  /** The events (dots) of the change; what a cursor grows by once it is delivered. */
  private final CausalContext events;
  private final String cursor;
  /** The document's JSON, rendered once for this change and every copy of it given a cursor. */
  private final Rendered rendered;

  Change(String key, Origin origin, Function<String, Optional<Document>> reader,
      CausalContext events) {
    this(key, origin, reader, events, null, new Rendered());
  }

  private Change(String key, Origin origin, Function<String, Optional<Document>> reader,
      CausalContext events, String cursor, Rendered rendered) {
    this.key = Objects.requireNonNull(key, "key");
    this.origin = Objects.requireNonNull(origin, "origin");
    this.reader = reader;
    this.events = Objects.requireNonNull(events, "events");
    this.cursor = cursor;
    this.rendered = rendered;
  }

  CausalContext events() {
    return events;
  }

  /** This change as given to one watcher, with that watcher's cursor after it. */
  Change withCursor(String watcherCursor) {
    return new Change(key, origin, reader, events, watcherCursor, rendered);
  }

  /**
   * Where this watcher is after this change: pass it to {@link Meridian#watch(String, String,
   * Watcher)} to resume, and that watch first sends (as {@link Origin#RESUMED}) every document
   * changed since, then live changes. Null only for a change not given to a watcher.
   */
  public String cursor() {
    return cursor;
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

  /**
   * The document's JSON ("{}" if it is empty or deleted), read and rendered once for this change
   * and shared by every watcher the change is given to: the first to ask reads the document (as
   * {@link #document()}, so it is the document after the change), the others get the same text.
   * A thousand watchers of one prefix thus cost one read and one rendering per change, and hold
   * one copy of the text between them.
   */
  String json() {
    synchronized (rendered) {
      if (rendered.json == null) {
        rendered.json = document().map(Document::toJson).orElse("{}");
      }
      return rendered.json;
    }
  }

  /** One change's JSON once rendered (guarded by itself). */
  private static final class Rendered {
    private String json;
  }

  @Override
  public String toString() {
    return origin + " " + key;
  }
}
