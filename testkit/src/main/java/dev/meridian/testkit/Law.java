package dev.meridian.testkit;

/** The laws {@link CrdtLaws} checks, each by name in failure reports and replays. */
public enum Law {
  /** {@code a ⊔ a == a}, and a copy equals its original. */
  JOIN_IDEMPOTENT("join is idempotent: a ⊔ a == a"),
  /** {@code a ⊔ b == b ⊔ a}. */
  JOIN_COMMUTATIVE("join is commutative: a ⊔ b == b ⊔ a"),
  /** {@code (a ⊔ b) ⊔ c == a ⊔ (b ⊔ c)}. */
  JOIN_ASSOCIATIVE("join is associative: (a ⊔ b) ⊔ c == a ⊔ (b ⊔ c)"),
  /** {@code ⊥ ⊔ a == a ⊔ ⊥}, equal to {@code a} for a replica's state. */
  JOIN_BOTTOM_IDENTITY("bottom is the identity of join: ⊥ ⊔ a == a ⊔ ⊥ (== a for states)"),
  /** A mutator's delta joined into the prior state gives the new state, and mints a new dot. */
  MUTATOR_DELTA("a mutator's delta joined into the prior state gives the new state: before ⊔ delta == after"),
  /** The deltas a state has seen, joined in any order, duplicated and grouped, give the state. */
  DELTAS_EQUAL_STATE("a state's deltas joined in any order, with duplicates and in groups, equal the state"),
  /** {@code remote ⊔ local.deltaSince(remote.context()) == remote ⊔ local}. */
  DELTA_SINCE("remote ⊔ local.deltaSince(remote.context()) == remote ⊔ local"),
  /** {@code decode(encode(x)) == x}, encoding is deterministic, and joins see no difference. */
  CODEC_ROUND_TRIP("decode(encode(x)) == x, deterministically, and y ⊔ decode(encode(x)) == y ⊔ x"),
  /** Corrupt bytes decode to a usable value or fail with the codec's one checked exception. */
  CODEC_REJECTS_CORRUPT("corrupt bytes decode to a usable value or throw the codec's checked exception");

  private final String statement;

  Law(String statement) {
    this.statement = statement;
  }

  /** The law as a sentence. */
  public String statement() {
    return statement;
  }
}
