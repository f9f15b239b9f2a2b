package dev.meridian.persistence;

import java.util.Iterator;

/** An iterator over stored data that must be closed when dropped early. */
public interface CloseableIterator<T> extends Iterator<T>, AutoCloseable {
  /** Releases what the iterator holds; never throws. */
  @Override
  void close();
}
