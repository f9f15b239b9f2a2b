package dev.meridian.peer.testkit.example;

import dev.meridian.crdt.doc.Document;
import dev.meridian.peer.Meridian;
import java.util.Map;
import java.util.TreeMap;

/**
 * A shopping cart an application keeps in one Meridian document, {@code carts/demo}: {@code
 * lines.<item>} holds the quantity of each item, {@code unitsAdded} counts every unit ever added
 * (for analytics), and {@code checkedOut} is a flag. Once a site sees the cart checked out it
 * takes no more changes. Two implementations differ in how they change a quantity.
 */
abstract class Cart {
  static final String KEY = "carts/demo";

  /** Applies {@code op} at {@code site}, as the application's request handler would. */
  final void apply(Meridian site, CartOp op) {
    Document seen = site.get(KEY).orElse(null);
    if (seen != null && Boolean.TRUE.equals(seen.get("checkedOut"))) {
      return; // checked out here: the cart is closed
    }
    String item = item(op);
    long current = seen == null || item == null ? 0 : quantity(seen, item);
    site.update(KEY, doc -> {
      if (op instanceof CartOp.Add a) {
        Document delta = doc.increment("lines." + a.item(), a.quantity());
        delta.join(doc.increment("unitsAdded", a.quantity()));
        return delta;
      } else if (op instanceof CartOp.Remove r) {
        return remove(doc, r.item(), current);
      } else if (op instanceof CartOp.Quantity q) {
        return setQuantity(doc, q.item(), q.quantity(), current);
      }
      return doc.enable("checkedOut");
    }).join(); // completes once durable here
  }

  private static String item(CartOp op) {
    if (op instanceof CartOp.Add a) {
      return a.item();
    } else if (op instanceof CartOp.Remove r) {
      return r.item();
    } else if (op instanceof CartOp.Quantity q) {
      return q.item();
    }
    return null; // a checkout names no item
  }

  /** Removes the line of {@code item}, whose quantity this site shows as {@code current}. */
  abstract Document remove(Document doc, String item, long current);

  /** Sets the line of {@code item} to {@code quantity}; this site shows {@code current}. */
  abstract Document setQuantity(Document doc, String item, long quantity, long current);

  private static long quantity(Document doc, String item) {
    Object v = doc.get("lines." + item);
    return v instanceof Long l ? l : 0;
  }

  /** The lines a site shows: item to quantity. */
  static Map<String, Long> lines(Meridian site) {
    Map<String, Long> out = new TreeMap<>();
    site.get(KEY).ifPresent(doc -> {
      Object lines = doc.get("lines");
      if (lines instanceof Map<?, ?> m) {
        m.forEach((k, v) -> out.put((String) k, (Long) v));
      }
    });
    return out;
  }

  /** The units-added counter a site shows. */
  static long unitsAdded(Meridian site) {
    return site.get(KEY).map(d -> d.get("unitsAdded")).map(v -> (Long) v).orElse(0L);
  }

  /** Whether a site shows the cart checked out. */
  static boolean checkedOut(Meridian site) {
    return site.get(KEY).map(d -> Boolean.TRUE.equals(d.get("checkedOut"))).orElse(false);
  }

  /**
   * The naive cart: a line is a counter, and a remove or a new quantity adds the difference from
   * what this site sees. Alone it is right; under a partition two sites that both remove two
   * apples subtract four, and the line shows -2 everywhere once they meet.
   */
  static final class Naive extends Cart {
    @Override
    Document remove(Document doc, String item, long current) {
      return doc.increment("lines." + item, -current);
    }

    @Override
    Document setQuantity(Document doc, String item, long quantity, long current) {
      return doc.increment("lines." + item, quantity - current);
    }
  }

  /**
   * The correct cart: a line's counter only ever grows; a remove removes the line (observed-remove:
   * it removes the units this site has seen, and units added concurrently elsewhere survive), and a
   * new quantity removes the line and adds the quantity afresh. Every line is a sum of positive
   * additions, so no site ever shows a negative quantity, whatever the partitions.
   */
  static final class Correct extends Cart {
    @Override
    Document remove(Document doc, String item, long current) {
      return doc.remove("lines." + item);
    }

    @Override
    Document setQuantity(Document doc, String item, long quantity, long current) {
      Document delta = doc.remove("lines." + item);
      if (quantity > 0) {
        delta.join(doc.increment("lines." + item, quantity));
      }
      return delta;
    }
  }
}
