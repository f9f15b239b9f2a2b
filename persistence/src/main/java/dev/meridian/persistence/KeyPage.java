package dev.meridian.persistence;

import java.util.List;

/**
 * One page of keys in ascending order.
 *
 * @param keys the keys of this page, ascending
 * @param next the key to pass as {@code after} for the next page, or {@code null} on the last page
 */
public record KeyPage(List<String> keys, String next) {
  /** Copies the list. */
  public KeyPage {
    keys = List.copyOf(keys);
  }
}
