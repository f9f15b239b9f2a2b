package dev.meridian.peer;

/**
 * Receives the changes of a {@linkplain Meridian#watch watch}, one at a time, in the order they
 * became durable, on one of the store's few watch threads (never on a writer's thread). Those
 * threads are shared by every watch: return quickly, and hand slow work to a thread of your own.
 */
public interface Watcher {
  /** One change to a document whose key starts with the watched prefix. */
  void onChange(Change change);

  /**
   * The watch ended and no more changes follow: closed by its owner ({@code reason} null), because
   * the store closed, or because this watcher fell more than {@link Meridian#WATCH_BACKLOG} changes
   * behind (a watcher must keep up; it may watch again and re-read what it needs).
   */
  default void onEnd(String reason) {}

  /**
   * A watch started from a cursor has sent every document changed while it was away; live
   * changes follow. {@code cursor} is where the watcher is now (resume from it, as from a
   * change's {@link Change#cursor()}). Called once, and only for a watch started from a cursor.
   */
  default void onCaughtUp(String cursor) {}
}
