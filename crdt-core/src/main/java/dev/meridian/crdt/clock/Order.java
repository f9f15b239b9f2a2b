package dev.meridian.crdt.clock;

/** How two causal histories relate. */
public enum Order {
  /** The first has seen strictly less than the second. */
  BEFORE,
  /** The first has seen strictly more than the second. */
  AFTER,
  /** Both have seen the same events. */
  SAME,
  /** Each has seen something the other has not. */
  CONCURRENT
}
