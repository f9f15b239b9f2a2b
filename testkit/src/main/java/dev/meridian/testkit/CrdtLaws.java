package dev.meridian.testkit;

import com.google.common.io.BaseEncoding;
import dev.meridian.crdt.DeltaCrdt;
import dev.meridian.crdt.clock.CausalContext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * The laws every causal delta-CRDT must obey, as plain methods that throw {@link AssertionError}
 * with the states involved. No test engine is needed: the jqwik glue in {@code
 * dev.meridian.testkit.jqwik} calls {@link #check}, and any other driver can too.
 *
 * <p>There are two layers. The building blocks ({@link #joinIsIdempotent}, {@link
 * #deltaSinceFillsTheGap}, ...) check one law on given values. {@link #check} makes a random {@link
 * History} from a {@link HistoryPlan} and checks one {@link Law} on states and deltas drawn from it;
 * its failures name the plan and show how to {@link #replay} it.
 *
 * <p>Joins are always done on copies: no argument is changed, and each check also verifies that
 * {@code join} leaves its argument unchanged.
 */
public final class CrdtLaws {
  /* Design notes.
   * [1] Equality is the type's equals (same dot store and context) plus equal hash codes. Deltas made
   *     by mutators may carry empty entries that name what they removed (keyed deltas), so a delta
   *     and a state can hold the same information and still differ: bottomIsIdentity only demands
   *     ⊥ ⊔ a == a for states, and ⊥ ⊔ a == a ⊔ ⊥ for deltas. Every other law compares joins.
   * [2] Cf. riak_dt eqc/crdt_statem_eqc.erl (prop_converge, prop_bin_roundtrip): one set of laws
   *     reused by every type, each type only supplies its generators.
   */
  private static final int MAX_SAMPLES = 12;

  private CrdtLaws() {}

  // ---- plan-driven checks ---------------------------------------------------------------------

  /**
   * Makes the history of {@code plan} and checks {@code law} on states and deltas drawn from it.
   * The mutator law is checked on every mutation while the history is made, whatever {@code law}.
   *
   * @throws AssertionError if the law does not hold; the message shows the states, the history
   *     and the line that replays it
   */
  public static <T extends DeltaCrdt<T>> void check(CrdtSpec<T> spec, Law law, HistoryPlan plan) {
    History<T> history;
    try {
      history = History.generate(spec, plan);
    } catch (AssertionError | RuntimeException e) {
      throw failure(spec, Law.MUTATOR_DELTA, plan, e, null);
    }
    try {
      checkOn(spec, law, history);
    } catch (AssertionError | RuntimeException e) {
      throw failure(spec, law, plan, e, history);
    }
  }

  /** Checks every law on the history of {@code plan} (the codec laws only if the spec has a codec). */
  public static <T extends DeltaCrdt<T>> void checkAll(CrdtSpec<T> spec, HistoryPlan plan) {
    for (Law law : Law.values()) {
      check(spec, law, plan);
    }
  }

  /**
   * Replays a failure from the text its report printed, such as {@code law=JOIN_COMMUTATIVE
   * replicas=2 steps=14 seed=-5}.
   */
  public static <T extends DeltaCrdt<T>> void replay(CrdtSpec<T> spec, String text) {
    String trimmed = text.trim();
    if (!trimmed.startsWith("law=")) {
      throw new IllegalArgumentException("expected 'law=NAME replicas=.. steps=.. seed=..': " + text);
    }
    int space = trimmed.indexOf(' ');
    if (space < 0) {
      throw new IllegalArgumentException("expected 'law=NAME replicas=.. steps=.. seed=..': " + text);
    }
    Law law = Law.valueOf(trimmed.substring(4, space));
    check(spec, law, HistoryPlan.parse(trimmed.substring(space + 1)));
  }

  /** The text {@link #replay} takes for a law and a plan. */
  public static String replayText(Law law, HistoryPlan plan) {
    return "law=" + law.name() + " " + plan;
  }

  private static <T extends DeltaCrdt<T>> AssertionError failure(
      CrdtSpec<T> spec, Law law, HistoryPlan plan, Throwable cause, History<T> history) {
    StringBuilder sb = new StringBuilder();
    sb.append(spec.name()).append(": law ").append(law.name()).append(" violated (")
        .append(law.statement()).append(")\n");
    sb.append(cause instanceof AssertionError ? cause.getMessage() : cause.toString()).append('\n');
    if (history != null) {
      sb.append(history.describe());
    }
    sb.append("seed=").append(plan.seed()).append("; replay with: CrdtLaws.replay(spec, \"")
        .append(replayText(law, plan)).append("\")");
    return new AssertionError(sb.toString(), cause);
  }

  private static <T extends DeltaCrdt<T>> void checkOn(CrdtSpec<T> spec, Law law, History<T> h) {
    Random random = h.random();
    switch (law) {
      case JOIN_IDEMPOTENT -> {
        for (T a : sample(h.pool(), random, MAX_SAMPLES)) {
          joinIsIdempotent(spec, a);
        }
      }
      case JOIN_COMMUTATIVE -> {
        for (int i = 0; i < MAX_SAMPLES; i++) {
          joinIsCommutative(spec, pick(h.pool(), random), pick(h.pool(), random));
        }
      }
      case JOIN_ASSOCIATIVE -> {
        for (int i = 0; i < MAX_SAMPLES; i++) {
          joinIsAssociative(
              spec, pick(h.pool(), random), pick(h.pool(), random), pick(h.pool(), random));
        }
      }
      case JOIN_BOTTOM_IDENTITY -> {
        for (T a : h.replicaStates()) {
          bottomIsIdentity(spec, a, true);
        }
        for (T a : sample(h.pool(), random, MAX_SAMPLES)) {
          bottomIsIdentity(spec, a, false);
        }
      }
      case MUTATOR_DELTA -> {
        // Checked on every mutation while the history was made; nothing more to do.
      }
      case DELTAS_EQUAL_STATE -> {
        for (int r = 0; r < h.replicaStates().size(); r++) {
          deltasEqualState(spec, h.replicaStates().get(r), h.deltasSeenBy(r), random);
        }
      }
      case DELTA_SINCE -> {
        List<T> states = h.fullStates();
        for (int i = 0; i < MAX_SAMPLES; i++) {
          deltaSinceFillsTheGap(spec, pick(states, random), pick(states, random));
        }
      }
      case CODEC_ROUND_TRIP -> {
        if (spec.codec().isPresent()) {
          for (T x : sample(h.pool(), random, MAX_SAMPLES)) {
            codecRoundTrips(spec, spec.codec().get(), x, pick(h.fullStates(), random));
          }
        }
      }
      case CODEC_REJECTS_CORRUPT -> {
        if (spec.codec().isPresent()) {
          for (T x : sample(h.pool(), random, 4)) {
            codecRejectsCorruptInput(spec, spec.codec().get(), x, random);
          }
        }
      }
    }
  }

  private static <T> T pick(List<T> from, Random random) {
    return from.get(random.nextInt(from.size()));
  }

  private static <T> List<T> sample(List<T> from, Random random, int max) {
    if (from.size() <= max) {
      return from;
    }
    List<T> out = new ArrayList<>(max);
    for (int i = 0; i < max; i++) {
      out.add(pick(from, random));
    }
    return out;
  }

  // ---- building blocks ------------------------------------------------------------------------

  /** {@code a ⊔ a == a}; {@code a.copy()} equals {@code a}; join leaves its argument unchanged. */
  public static <T extends DeltaCrdt<T>> void joinIsIdempotent(CrdtSpec<T> spec, T a) {
    T copy = a.copy();
    assertEqual(spec, "a copy differs from its original", "a", a, "a.copy()", copy, "");
    T aa = a.copy();
    aa.join(a);
    assertUnchanged(spec, "a", copy, a);
    assertEqual(spec, "a ⊔ a differs from a", "a", a, "a ⊔ a", aa, "");
  }

  /** {@code a ⊔ b == b ⊔ a}. */
  public static <T extends DeltaCrdt<T>> void joinIsCommutative(CrdtSpec<T> spec, T a, T b) {
    T a0 = a.copy();
    T b0 = b.copy();
    T ab = a.copy();
    ab.join(b);
    T ba = b.copy();
    ba.join(a);
    assertUnchanged(spec, "a", a0, a);
    assertUnchanged(spec, "b", b0, b);
    assertEqual(spec, "a ⊔ b differs from b ⊔ a", "a ⊔ b", ab, "b ⊔ a", ba,
        "  a      = " + spec.show(a) + "\n  b      = " + spec.show(b) + "\n");
  }

  /** {@code (a ⊔ b) ⊔ c == a ⊔ (b ⊔ c)}. */
  public static <T extends DeltaCrdt<T>> void joinIsAssociative(CrdtSpec<T> spec, T a, T b, T c) {
    T a0 = a.copy();
    T b0 = b.copy();
    T c0 = c.copy();
    T left = a.copy();
    left.join(b);
    left.join(c);
    T bc = b.copy();
    bc.join(c);
    T right = a.copy();
    right.join(bc);
    assertUnchanged(spec, "a", a0, a);
    assertUnchanged(spec, "b", b0, b);
    assertUnchanged(spec, "c", c0, c);
    assertEqual(spec, "(a ⊔ b) ⊔ c differs from a ⊔ (b ⊔ c)", "(a ⊔ b) ⊔ c", left,
        "a ⊔ (b ⊔ c)", right,
        "  a      = " + spec.show(a) + "\n  b      = " + spec.show(b) + "\n  c      = "
            + spec.show(c) + "\n");
  }

  /**
   * {@code ⊥ ⊔ a == a ⊔ ⊥}, and both equal {@code a} if {@code aIsState} (a delta may name
   * removed keys with empty entries, which a join into a state drops).
   */
  public static <T extends DeltaCrdt<T>> void bottomIsIdentity(CrdtSpec<T> spec, T a, boolean aIsState) {
    T bottom = spec.bottom();
    if (!bottom.isEmpty() || !bottom.context().isEmpty()) {
      throw new AssertionError("bottom is not empty: " + spec.show(bottom));
    }
    T a0 = a.copy();
    T left = spec.bottom();
    left.join(a);
    T right = a.copy();
    right.join(spec.bottom());
    assertUnchanged(spec, "a", a0, a);
    assertEqual(spec, "⊥ ⊔ a differs from a ⊔ ⊥", "⊥ ⊔ a", left, "a ⊔ ⊥", right,
        "  a      = " + spec.show(a) + "\n");
    if (aIsState) {
      assertEqual(spec, "⊥ ⊔ a differs from a", "a", a, "⊥ ⊔ a", left, "");
    }
  }

  /**
   * A mutator's delta: {@code before ⊔ delta == after}, the delta has a dot {@code before} had not
   * seen (every mutation is an event), and {@code after} has seen every dot of the delta.
   */
  public static <T extends DeltaCrdt<T>> void mutatorReturnsItsDelta(
      CrdtSpec<T> spec, T before, Op<T> op, T delta, T after) {
    String ctx = "  op     = " + op.description() + "\n  before = " + spec.show(before) + "\n";
    CausalContext deltaContext = delta.context();
    if (deltaContext.isSubsetOf(before.context())) {
      throw new AssertionError("the delta of " + op.description()
          + " mints no new dot (every mutation must be an event)\n" + ctx + "  delta  = "
          + spec.show(delta) + "\n");
    }
    if (!deltaContext.isSubsetOf(after.context())) {
      throw new AssertionError("the state after " + op.description()
          + " has not seen every dot of its delta\n" + ctx + "  delta  = " + spec.show(delta)
          + "\n  after  = " + spec.show(after) + "\n");
    }
    T joined = before.copy();
    joined.join(delta);
    assertEqual(spec, "before ⊔ delta differs from the state after " + op.description(),
        "after", after, "before ⊔ delta", joined, ctx + "  delta  = " + spec.show(delta) + "\n");
  }

  /**
   * Joins {@code deltas} into bottom in a random order, each one to three times, in random groups
   * (a group is a delta joined with the next few, as a sender would buffer them), and checks the
   * result equals {@code state}.
   */
  public static <T extends DeltaCrdt<T>> void deltasEqualState(
      CrdtSpec<T> spec, T state, List<T> deltas, Random random) {
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < deltas.size(); i++) {
      int times = 1 + (random.nextInt(4) == 0 ? 1 + random.nextInt(2) : 0);
      for (int k = 0; k < times; k++) {
        order.add(i);
      }
    }
    java.util.Collections.shuffle(order, random);
    List<T> snapshots = new ArrayList<>(deltas.size());
    for (T d : deltas) {
      snapshots.add(d.copy());
    }
    T result = spec.bottom();
    StringBuilder plan = new StringBuilder();
    int i = 0;
    while (i < order.size()) {
      int size = 1 + random.nextInt(3);
      T group = deltas.get(order.get(i)).copy();
      plan.append(plan.length() == 0 ? "" : " ").append('(').append(order.get(i));
      for (int k = 1; k < size && i + k < order.size(); k++) {
        group.join(deltas.get(order.get(i + k)));
        plan.append('+').append(order.get(i + k));
      }
      plan.append(')');
      i += size;
      result.join(group);
    }
    for (int k = 0; k < deltas.size(); k++) {
      assertUnchanged(spec, "delta " + k, snapshots.get(k), deltas.get(k));
    }
    StringBuilder ctx = new StringBuilder();
    ctx.append("  joined in groups: ").append(plan).append('\n');
    for (int k = 0; k < deltas.size() && k < 40; k++) {
      ctx.append("  delta ").append(k).append(" = ").append(spec.show(deltas.get(k))).append('\n');
    }
    assertEqual(spec, "the join of the state's " + deltas.size() + " deltas differs from the state",
        "state", state, "⊔ deltas", result, ctx.toString());
  }

  /**
   * {@code remote ⊔ local.deltaSince(remote.context()) == remote ⊔ local}; if the remote has
   * applied every event {@code local} has applied ({@code context()}), the delta holds no entry
   * (its context may still carry removals: deltas arrive in any order, so a state may have seen
   * dots whose events it has not applied); {@code local} is left unchanged.
   */
  public static <T extends DeltaCrdt<T>> void deltaSinceFillsTheGap(CrdtSpec<T> spec, T remote, T local) {
    T local0 = local.copy();
    CausalContext remoteContext = remote.context();
    T delta = local.deltaSince(remoteContext);
    assertUnchanged(spec, "local (by deltaSince)", local0, local);
    String ctx = "  remote = " + spec.show(remote) + "\n  local  = " + spec.show(local)
        + "\n  local.deltaSince(remote.context()) = " + spec.show(delta) + "\n";
    if (local.context().isSubsetOf(remoteContext) && !delta.isEmpty()) {
      throw new AssertionError("the remote has applied every event of local, yet deltaSince sends entries"
          + "\n" + ctx);
    }
    T viaDelta = remote.copy();
    viaDelta.join(delta);
    T full = remote.copy();
    full.join(local);
    assertEqual(spec, "remote ⊔ local.deltaSince(remote.context()) differs from remote ⊔ local",
        "remote ⊔ local", full, "remote ⊔ delta", viaDelta, ctx);
  }

  /**
   * {@code decode(encode(x)) == x}; encoding the decoded value gives the same bytes; {@code y ⊔
   * decode(encode(x)) == y ⊔ x} (so a delta's keyed form survives the trip).
   */
  public static <T extends DeltaCrdt<T>> void codecRoundTrips(CrdtSpec<T> spec, Codec<T> codec, T x, T y) {
    T x0 = x.copy();
    byte[] bytes = codec.encode(x);
    assertUnchanged(spec, "x (by encode)", x0, x);
    T decoded;
    try {
      decoded = codec.decode(bytes);
    } catch (Exception e) {
      throw new AssertionError("decode(encode(x)) threw " + e + "\n  x = " + spec.show(x)
          + "\n  bytes = " + hex(bytes) + "\n", e);
    }
    String ctx = "  bytes  = " + hex(bytes) + "\n";
    assertEqual(spec, "decode(encode(x)) differs from x", "x", x, "decode(encode(x))", decoded, ctx);
    byte[] again = codec.encode(decoded);
    if (!Arrays.equals(bytes, again)) {
      throw new AssertionError("encoding is not deterministic: encode(decode(encode(x))) differs"
          + " from encode(x)\n  x      = " + spec.show(x) + "\n" + ctx + "  again  = " + hex(again)
          + "\n");
    }
    T viaBytes = y.copy();
    viaBytes.join(decoded);
    T direct = y.copy();
    direct.join(x);
    assertEqual(spec, "y ⊔ decode(encode(x)) differs from y ⊔ x", "y ⊔ x", direct,
        "y ⊔ decode(encode(x))", viaBytes,
        "  x      = " + spec.show(x) + "\n  y      = " + spec.show(y) + "\n" + ctx);
  }

  /**
   * Corrupts {@code encode(x)} a few ways (truncation, flipped bytes, trailing garbage, empty
   * input) and checks each either decodes to a value that can be joined, copied and encoded, or
   * fails with {@link Codec#rejection()}.
   */
  public static <T extends DeltaCrdt<T>> void codecRejectsCorruptInput(
      CrdtSpec<T> spec, Codec<T> codec, T x, Random random) {
    byte[] bytes = codec.encode(x);
    List<byte[]> corrupt = new ArrayList<>();
    corrupt.add(new byte[0]);
    if (bytes.length > 0) {
      corrupt.add(Arrays.copyOf(bytes, random.nextInt(bytes.length)));
      for (int k = 0; k < 3; k++) {
        byte[] flipped = bytes.clone();
        int flips = 1 + random.nextInt(3);
        for (int f = 0; f < flips; f++) {
          flipped[random.nextInt(flipped.length)] ^= (byte) (1 + random.nextInt(255));
        }
        corrupt.add(flipped);
      }
    }
    byte[] longer = Arrays.copyOf(bytes, bytes.length + 1 + random.nextInt(8));
    for (int k = bytes.length; k < longer.length; k++) {
      longer[k] = (byte) random.nextInt(256);
    }
    corrupt.add(longer);
    for (byte[] input : corrupt) {
      T value;
      try {
        value = codec.decode(input);
      } catch (Exception e) {
        if (codec.rejection().isInstance(e) && !(e instanceof RuntimeException)) {
          continue;
        }
        throw new AssertionError("decoding corrupt bytes threw " + e + " instead of a "
            + codec.rejection().getSimpleName() + "\n  input = " + hex(input) + "\n  from x = "
            + spec.show(x) + "\n", e);
      }
      try {
        T joined = spec.bottom();
        joined.join(value);
        value.copy();
        codec.encode(value);
      } catch (RuntimeException e) {
        throw new AssertionError("corrupt bytes decoded to a value that cannot be used: " + e
            + "\n  input = " + hex(input) + "\n  from x = " + spec.show(x) + "\n", e);
      }
    }
  }

  // ---- helpers --------------------------------------------------------------------------------

  /** Asserts equal states with equal hash codes, showing both and {@code context} if not. */
  static <T extends DeltaCrdt<T>> void assertEqual(
      CrdtSpec<T> spec, String what, String expectedLabel, T expected, String actualLabel, T actual,
      String context) {
    if (!expected.equals(actual)) {
      throw new AssertionError(what + "\n  " + expectedLabel + " = " + spec.show(expected) + "\n  "
          + actualLabel + " = " + spec.show(actual) + "\n" + context);
    }
    if (expected.hashCode() != actual.hashCode()) {
      throw new AssertionError("equal states with different hash codes (" + what + ")\n  "
          + expectedLabel + " = " + spec.show(expected) + "\n  " + actualLabel + " = "
          + spec.show(actual) + "\n" + context);
    }
  }

  private static <T extends DeltaCrdt<T>> void assertUnchanged(CrdtSpec<T> spec, String name, T before, T after) {
    if (!before.equals(after)) {
      throw new AssertionError("an operation changed its argument " + name + "\n  before = "
          + spec.show(before) + "\n  after  = " + spec.show(after) + "\n");
    }
  }

  static String hex(byte[] bytes) {
    String h = BaseEncoding.base16().lowerCase().encode(bytes);
    return h.length() <= 400 ? h : h.substring(0, 400) + "...(" + bytes.length + " bytes)";
  }
}
