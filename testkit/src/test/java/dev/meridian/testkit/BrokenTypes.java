package dev.meridian.testkit;

import dev.meridian.crdt.CausalCrdt;
import dev.meridian.crdt.DeltaCrdt;
import dev.meridian.crdt.Replica;
import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.flag.EwFlag;
import dev.meridian.crdt.store.DotSet;
import java.util.Objects;

/** Deliberately broken types, to show the harness catches each kind of bug. */
final class BrokenTypes {
  private BrokenTypes() {}

  /** A counter whose join adds values: not idempotent, so duplicated messages over-count. */
  static final class Sum implements DeltaCrdt<Sum> {
    long value;
    final CausalContext context;

    Sum() {
      this(0, new CausalContext());
    }

    Sum(long value, CausalContext context) {
      this.value = value;
      this.context = context;
    }

    Sum add(Replica replica, long n) {
      Sum delta = new Sum(n, CausalContext.of(replica.nextDot()));
      join(delta);
      return delta;
    }

    @Override
    public void join(Sum other) {
      value += other.value;
      context.addAll(other.context);
    }

    @Override
    public Sum copy() {
      return new Sum(value, context.copy());
    }

    @Override
    public CausalContext context() {
      return context.copy();
    }

    @Override
    public Sum deltaSince(CausalContext remote) {
      return copy();
    }

    @Override
    public boolean isEmpty() {
      return value == 0;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Sum sum && sum.value == value && sum.context.equals(context);
    }

    @Override
    public int hashCode() {
      return Long.hashCode(value) * 31 + context.hashCode();
    }

    @Override
    public String toString() {
      return "Sum{" + value + ", " + context + "}";
    }
  }

  static CrdtSpec<Sum> sum() {
    return CrdtSpec.builder("Sum", Sum::new)
        .ops(random -> {
          long n = 1L + random.nextInt(5);
          return Op.of("add(" + n + ")", (s, r) -> s.add(r, n));
        })
        .build();
  }

  /** A register whose join keeps its own value if it has one: not commutative. */
  static final class FirstWins implements DeltaCrdt<FirstWins> {
    Object value;
    final CausalContext context;

    FirstWins() {
      this(null, new CausalContext());
    }

    FirstWins(Object value, CausalContext context) {
      this.value = value;
      this.context = context;
    }

    FirstWins set(Replica replica, Object v) {
      FirstWins delta = new FirstWins(v, CausalContext.of(replica.nextDot()));
      join(delta);
      return delta;
    }

    @Override
    public void join(FirstWins other) {
      if (value == null) {
        value = other.value;
      }
      context.addAll(other.context);
    }

    @Override
    public FirstWins copy() {
      return new FirstWins(value, context.copy());
    }

    @Override
    public CausalContext context() {
      return context.copy();
    }

    @Override
    public FirstWins deltaSince(CausalContext remote) {
      return copy();
    }

    @Override
    public boolean isEmpty() {
      return value == null;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof FirstWins firstWins && Objects.equals(firstWins.value, value)
          && firstWins.context.equals(context);
    }

    @Override
    public int hashCode() {
      return Objects.hashCode(value) * 31 + context.hashCode();
    }

    @Override
    public String toString() {
      return "FirstWins{" + value + ", " + context + "}";
    }
  }

  static CrdtSpec<FirstWins> firstWins() {
    return CrdtSpec.builder("FirstWins", FirstWins::new)
        .ops(random -> {
          int v = random.nextInt(3);
          return Op.of("set(" + v + ")", (s, r) -> s.set(r, (long) v));
        })
        .build();
  }

  /**
   * An enable-wins flag whose deltaSince sends only the dots outside the remote's context (the first
   * bug the testkit found in crdt-core): a disable never reaches a remote that saw the enable.
   */
  static final class ForgetfulFlag extends CausalCrdt<ForgetfulFlag, DotSet> {
    ForgetfulFlag() {
      this(new DotSet(), new CausalContext(), false);
    }

    private ForgetfulFlag(DotSet store, CausalContext context, boolean keyed) {
      super(store, context, keyed);
    }

    @Override
    protected ForgetfulFlag create(DotSet store, CausalContext context, boolean keyed) {
      return new ForgetfulFlag(store, context, keyed);
    }

    ForgetfulFlag enable(Replica replica) {
      Replica.Claim claim = replica.claim(context);
      return applyDelta(claim, EwFlag.enableDelta(store, claim.dot(), claim.context()));
    }

    ForgetfulFlag disable(Replica replica) {
      Replica.Claim claim = replica.claim(context);
      return applyDelta(claim, EwFlag.disableDelta(store, claim.context()));
    }

    @Override
    public ForgetfulFlag deltaSince(CausalContext remote) {
      return create(store.copyOutside(remote, false), context.minus(remote), false);
    }
  }

  static CrdtSpec<ForgetfulFlag> forgetfulFlag() {
    Op<ForgetfulFlag> enable = Op.of("enable", (f, r) -> f.enable(r));
    Op<ForgetfulFlag> disable = Op.of("disable", (f, r) -> f.disable(r));
    return CrdtSpec.builder("ForgetfulFlag", ForgetfulFlag::new)
        .ops(random -> random.nextBoolean() ? enable : disable)
        .build();
  }
}
