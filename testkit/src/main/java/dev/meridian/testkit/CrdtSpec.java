package dev.meridian.testkit;

import dev.meridian.crdt.DeltaCrdt;
import dev.meridian.crdt.Replica;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Everything the harness needs to know about one CRDT type: its bottom state, how a replica makes
 * its own state, a generator of random mutations, and optionally a codec and a check of converged
 * states against the ops that produced them. Immutable; build one with {@link #builder}.
 *
 * <pre>{@code
 * CrdtSpec<Counter> spec = CrdtSpec.builder("Counter", Counter::new)
 *     .ops(random -> {
 *       long n = random.nextInt(21) - 10;
 *       return Op.of("increment(" + n + ")", (c, replica) -> c.increment(replica, n));
 *     })
 *     .build();
 * }</pre>
 *
 * @param <T> the CRDT type
 */
public final class CrdtSpec<T extends DeltaCrdt<T>> {
  private final String name;
  private final Supplier<T> bottom;
  private final Function<Replica, T> newState;
  private final OpGenerator<T> ops;
  private final Codec<T> codec;
  private final ConvergedCheck<T> convergedCheck;
  private final Function<T, String> show;

  private CrdtSpec(Builder<T> b) {
    this.name = b.name;
    this.bottom = b.bottom;
    this.newState = b.newState;
    this.ops = Objects.requireNonNull(b.ops, "ops: call Builder.ops");
    this.codec = b.codec;
    this.convergedCheck = b.convergedCheck;
    this.show = b.show;
  }

  /**
   * Starts a spec for the type called {@code name} whose bottom state (the empty state every
   * replica starts from, and that deltas are joined into) {@code bottom} makes.
   */
  public static <T extends DeltaCrdt<T>> Builder<T> builder(String name, Supplier<T> bottom) {
    return new Builder<>(name, bottom);
  }

  /** The type's name, for reports. */
  public String name() {
    return name;
  }

  /** A fresh bottom state. */
  public T bottom() {
    return bottom.get();
  }

  /** A fresh empty state owned by {@code replica}. */
  public T newState(Replica replica) {
    return newState.apply(replica);
  }

  /** The op generator. */
  public OpGenerator<T> ops() {
    return ops;
  }

  /** The codec, if the type has one. */
  public Optional<Codec<T>> codec() {
    return Optional.ofNullable(codec);
  }

  /** The check of converged states, if any. */
  public Optional<ConvergedCheck<T>> convergedCheck() {
    return Optional.ofNullable(convergedCheck);
  }

  /** A description of a state for failure reports. */
  public String show(T state) {
    if (state == null) {
      return "null";
    }
    String s = show.apply(state);
    return s.length() <= 2_000 ? s : s.substring(0, 2_000) + "...(" + s.length() + " chars)";
  }

  /** This spec with another codec (or none, for {@code null}). */
  public CrdtSpec<T> withCodec(Codec<T> codec) {
    Builder<T> b = toBuilder();
    b.codec = codec;
    return b.build();
  }

  /** This spec with another op generator. */
  public CrdtSpec<T> withOps(OpGenerator<T> ops) {
    return toBuilder().ops(ops).build();
  }

  private Builder<T> toBuilder() {
    Builder<T> b = new Builder<>(name, bottom);
    b.newState = newState;
    b.ops = ops;
    b.codec = codec;
    b.convergedCheck = convergedCheck;
    b.show = show;
    return b;
  }

  @Override
  public String toString() {
    return "CrdtSpec[" + name + "]";
  }

  /**
   * Checks a converged state against the ops that produced it, as a sequential model would: for
   * example a counter's value is the sum of every applied increment.
   */
  @FunctionalInterface
  public interface ConvergedCheck<T> {
    /**
     * Checks one converged state.
     *
     * @param converged the state every replica converged to
     * @param applied every op applied to this object by any replica and not refused, in the order
     *     they were applied
     * @throws AssertionError if the state is wrong
     */
    void check(T converged, List<Op<T>> applied);
  }

  /** Builds a {@link CrdtSpec}. */
  public static final class Builder<T extends DeltaCrdt<T>> {
    private final String name;
    private final Supplier<T> bottom;
    private Function<Replica, T> newState;
    private OpGenerator<T> ops;
    private Codec<T> codec;
    private ConvergedCheck<T> convergedCheck;
    private Function<T, String> show = String::valueOf;

    private Builder(String name, Supplier<T> bottom) {
      this.name = Objects.requireNonNull(name, "name");
      this.bottom = Objects.requireNonNull(bottom, "bottom");
      this.newState = r -> bottom.get();
    }

    /**
     * How a replica makes its own empty state (default: the bottom state). Types bound to their
     * writer, like {@code Document.create(replica)}, set this.
     */
    public Builder<T> newState(Function<Replica, T> newState) {
      this.newState = Objects.requireNonNull(newState, "newState");
      return this;
    }

    /** The generator of random mutations (required). */
    public Builder<T> ops(OpGenerator<T> ops) {
      this.ops = Objects.requireNonNull(ops, "ops");
      return this;
    }

    /** A codec to check round trips with and to send bytes through (optional). */
    public Builder<T> codec(Codec<T> codec) {
      this.codec = codec;
      return this;
    }

    /** A check of every converged state against the applied ops (optional). */
    public Builder<T> convergedCheck(ConvergedCheck<T> check) {
      this.convergedCheck = check;
      return this;
    }

    /** How to print a state in failure reports (default {@code toString}). */
    public Builder<T> show(Function<T, String> show) {
      this.show = Objects.requireNonNull(show, "show");
      return this;
    }

    /** The spec. */
    public CrdtSpec<T> build() {
      return new CrdtSpec<>(this);
    }
  }
}
