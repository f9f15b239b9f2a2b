package dev.meridian.crdt.doc;

import static dev.meridian.crdt.Preconditions.requireArgument;

import dev.meridian.crdt.CrdtType;
import dev.meridian.crdt.Replica;
import dev.meridian.crdt.Scalars;
import dev.meridian.crdt.clock.Dot;
import dev.meridian.crdt.counter.Counter;
import dev.meridian.crdt.map.OrMap;
import dev.meridian.crdt.map.TypedKey;
import dev.meridian.crdt.register.MvRegister;
import dev.meridian.crdt.register.RegisterEntry;
import dev.meridian.crdt.set.AwSet;
import dev.meridian.crdt.store.DotFun;
import dev.meridian.crdt.store.DotMap;
import dev.meridian.crdt.store.DotSeq;
import dev.meridian.crdt.store.DotSet;
import dev.meridian.crdt.store.DotStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * JSON-like values of document stores, both ways: {@link #render} reads a typed store as a plain
 * Java value; {@link #write} builds the store of a fresh value (a list element's content) from
 * consecutive dots.
 *
 * <p>Rendering: a map is a sorted {@code Map<String, Object>} (under a type conflict, the value of
 * the highest type tag), a list a {@code List} of its visible elements, a text a {@code String}, a
 * set a sorted {@code List}, a counter a {@code Long}, a flag a {@code Boolean}, a register its
 * picked scalar. Writing: a {@code Map} becomes a map of its entries, any other {@code Iterable} a
 * set of scalars, anything else a register holding a scalar (as {@link Document#putMap} does).
 */
public final class Values {
  private Values() {}

  /** The JSON-like value of a store of type {@code type}. */
  public static Object render(CrdtType type, DotStore s) {
    return switch (type) {
      case REGISTER -> {
        RegisterEntry e = MvRegister.pick(fun(s));
        yield e == null ? null : e.value();
      }
      case COUNTER -> Counter.value(fun(s));
      case FLAG -> !s.isEmpty();
      case SET -> AwSet.elements(set(s));
      case MAP -> renderMap(typedMap(s));
      case LIST -> {
        List<Object> out = new ArrayList<>();
        for (DotSeq.Element el : ((DotSeq) s).elements()) {
          out.add(render(el.type(), el.value()));
        }
        yield out;
      }
      case TEXT -> ((DotSeq) s).text();
    };
  }

  /** The JSON-like value of a map store: names in order, each with its shown value. */
  public static Map<String, Object> renderMap(DotMap<TypedKey> m) {
    TreeMap<String, Object> out = new TreeMap<>();
    for (String name : OrMap.namesOf(m)) {
      CrdtType t = OrMap.typesOf(m, name).last();
      out.put(name, render(t, m.get(new TypedKey(name, t))));
    }
    return out;
  }

  /** The type a fresh value is written as: map, set, or register. */
  public static CrdtType typeOf(Object value) {
    if (value instanceof Map) {
      return CrdtType.MAP;
    }
    return value instanceof Iterable ? CrdtType.SET : CrdtType.REGISTER;
  }

  /**
   * Checks a fresh value and returns the number of dots {@link #write} needs for it: one per
   * register, one per set element.
   *
   * @throws IllegalArgumentException for a null map key or a value that is not a scalar, a
   *     collection of scalars or a map of such values
   */
  public static int dotsNeeded(Object value) {
    if (value instanceof Map) {
      int n = 0;
      for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) {
        requireArgument(e.getKey() instanceof String, "map content needs string keys: %s", e.getKey());
        n += dotsNeeded(e.getValue());
      }
      return n;
    }
    if (value instanceof Iterable) {
      int n = 0;
      for (Object element : (Iterable<?>) value) {
        Scalars.normalize(element);
        n++;
      }
      return n;
    }
    Scalars.normalize(value);
    return 1;
  }

  /** Hands out consecutive dots of one replica. */
  public static final class Dots {
    private final Replica replica;
    private long next;

    /** Dots {@code (replica, first)}, {@code (replica, first + 1)}, ... */
    public Dots(Replica replica, long first) {
      this.replica = replica;
      this.next = first;
    }

    Dot next() {
      return new Dot(replica.id(), next++);
    }
  }

  /**
   * The store of a fresh value (checked by {@link #dotsNeeded}), written with dots from {@code
   * dots}; registers take the replica's clock.
   */
  public static DotStore write(Object value, Dots dots) {
    if (value instanceof Map) {
      DotMap<TypedKey> m = new DotMap<>();
      for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) {
        Object v = e.getValue();
        m.put(new TypedKey((String) e.getKey(), typeOf(v)), write(v, dots));
      }
      return m;
    }
    if (value instanceof Iterable) {
      DotMap<Object> s = new DotMap<>();
      for (Object element : (Iterable<?>) value) {
        Object x = Scalars.normalize(element);
        if (s.get(x) == null) {
          s.put(x, DotSet.of(dots.next()));
        } else {
          dots.next(); // a duplicate element: its dot is spent, so the dot count stays simple
        }
      }
      return s;
    }
    DotFun<RegisterEntry> f = new DotFun<>();
    f.put(dots.next(), new RegisterEntry(Scalars.normalize(value), dots.replica.clock().now()));
    return f;
  }

  @SuppressWarnings("unchecked")
  static <V> DotFun<V> fun(DotStore s) {
    return (DotFun<V>) s;
  }

  @SuppressWarnings("unchecked")
  static DotMap<Object> set(DotStore s) {
    return (DotMap<Object>) s;
  }

  @SuppressWarnings("unchecked")
  static DotMap<TypedKey> typedMap(DotStore s) {
    return (DotMap<TypedKey>) s;
  }
}
