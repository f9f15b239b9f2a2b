package dev.meridian.peer.testkit.example;

import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/** What a shopper does to the one cart of the example; records print well in traces. */
sealed interface CartOp {
  /** Adds {@code quantity} units of {@code item}. */
  record Add(String item, int quantity) implements CartOp {}

  /** Removes the line of {@code item}. */
  record Remove(String item) implements CartOp {}

  /** Sets the line of {@code item} to {@code quantity} units. */
  record Quantity(String item, int quantity) implements CartOp {}

  /** Checks the cart out. */
  record Checkout() implements CartOp {}

  List<String> ITEMS = List.of("apple", "bread", "milk");

  /** A random operation (seeded schedules). */
  static CartOp random(Random r) {
    String item = ITEMS.get(r.nextInt(ITEMS.size()));
    return switch (r.nextInt(10)) {
      case 0, 1, 2, 3 -> new Add(item, 1 + r.nextInt(3));
      case 4, 5 -> new Remove(item);
      case 6, 7, 8 -> new Quantity(item, r.nextInt(4));
      default -> new Checkout();
    };
  }

  /** The same operations for jqwik; they shrink towards adding one apple. */
  static Arbitrary<CartOp> arbitrary() {
    Arbitrary<String> items = Arbitraries.of(ITEMS);
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(4, Combinators.combine(items, Arbitraries.integers().between(1, 3))
            .as(Add::new)),
        net.jqwik.api.Tuple.of(2, items.map(Remove::new)),
        net.jqwik.api.Tuple.of(3, Combinators.combine(items, Arbitraries.integers().between(0, 3))
            .as(Quantity::new)),
        net.jqwik.api.Tuple.of(1, Arbitraries.just(new Checkout())));
  }

  /** Units this operation adds (the model of the units-added counter). */
  default long unitsAdded() {
    return this instanceof Add a ? a.quantity() : 0;
  }
}
