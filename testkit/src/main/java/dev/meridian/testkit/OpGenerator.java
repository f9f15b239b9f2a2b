package dev.meridian.testkit;

import static com.google.common.base.Preconditions.checkArgument;

import com.google.common.collect.ImmutableList;
import java.util.List;
import java.util.Random;

/**
 * A source of random {@link Op ops} for one CRDT type, drawing every choice from the given {@link
 * Random} so that a seed replays the same ops.
 *
 * @param <T> the CRDT type
 */
@FunctionalInterface
public interface OpGenerator<T> {
  /** Draws one op. Must use no randomness other than {@code random}. */
  Op<T> next(Random random);

  /** Picks one of {@code generators} uniformly, then draws from it. Repeat one to weight it. */
  @SafeVarargs
  static <T> OpGenerator<T> oneOf(OpGenerator<T>... generators) {
    ImmutableList.Builder<OpGenerator<T>> b = ImmutableList.builder();
    for (OpGenerator<T> g : generators) {
      b.add(g);
    }
    List<OpGenerator<T>> all = b.build();
    checkArgument(!all.isEmpty(), "no generators");
    return random -> all.get(random.nextInt(all.size())).next(random);
  }
}
