package dev.meridian.peer.testkit.example;

import dev.meridian.peer.testkit.ClusterCheck;

/** The checks of the worked example: the same invariant and model for either cart. */
final class CartChecks {
  private CartChecks() {}

  /** The naive cart's check (it fails). */
  static final ClusterCheck<CartOp> NAIVE =
      check(new Cart.Naive(), "CartChecks.NAIVE.run(%s)").build();
  /** The correct cart's check (it holds). */
  static final ClusterCheck<CartOp> CORRECT =
      check(new Cart.Correct(), "CartChecks.CORRECT.run(%s)").build();

  /** The cart's check, to build (or to adjust first: the benchmark sets its data root). */
  static ClusterCheck.Builder<CartOp> check(Cart cart, String replay) {
    return ClusterCheck.of(cart::apply)
        .sites(3)
        .operations(50, CartOp::random)
        .invariant("no line shows a negative quantity", site -> {
          Cart.lines(site).forEach((item, q) -> {
            if (q < 0) {
              throw new AssertionError(item + " shows " + q + " in " + Cart.lines(site));
            }
          });
        })
        .model("units added", ops -> ops.stream().mapToLong(CartOp::unitsAdded).sum(),
            Cart::unitsAdded)
        .model("checked out", ops -> ops.stream().anyMatch(CartOp.Checkout.class::isInstance),
            Cart::checkedOut)
        .replay(replay);
  }
}
