package dev.meridian.testkit.specs;

import dev.meridian.crdt.CrdtType;
import dev.meridian.crdt.Replica;
import dev.meridian.crdt.counter.Counter;
import dev.meridian.crdt.doc.Document;
import dev.meridian.crdt.flag.EwFlag;
import dev.meridian.crdt.map.OrMap;
import dev.meridian.crdt.register.MvRegister;
import dev.meridian.crdt.sequence.OrList;
import dev.meridian.crdt.sequence.Text;
import dev.meridian.crdt.set.AwSet;
import dev.meridian.crdt.store.DotFun;
import dev.meridian.crdt.store.DotMap;
import dev.meridian.crdt.store.DotSet;
import dev.meridian.crdt.store.DotStore;
import dev.meridian.crdt.codec.CodecException;
import dev.meridian.crdt.codec.CrdtCodec;
import dev.meridian.testkit.Codec;
import dev.meridian.testkit.CrdtSpec;
import dev.meridian.testkit.Op;
import dev.meridian.testkit.OpGenerator;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Specs of crdt-core's types for the testkit: every mutator, with arguments that make replicas
 * collide, and crdt-core's codec ({@link CrdtCodec}), so the simulator sends real bytes. Other
 * modules' tests can reuse them (for example to drive a storage or sync simulation with realistic
 * document edits); {@link CrdtSpec#withCodec withCodec(null)} gives a spec without the codec.
 */
public final class CoreSpecs {
  private CoreSpecs() {}

  // ---- Counter --------------------------------------------------------------------------------

  /** {@code increment(amount)}; huge amounts make the replica's contribution overflow (refused). */
  public record Increment(long amount) implements Op<Counter> {
    @Override
    public Counter apply(Counter state, Replica replica) {
      try {
        return state.increment(replica, amount);
      } catch (IllegalArgumentException overflow) {
        return null;
      }
    }
  }

  /** The counter: increments and decrements; converged value is the sum of applied amounts. */
  public static CrdtSpec<Counter> counter() {
    return CrdtSpec.builder("Counter", Counter::new)
        .codec(Codec.of(CrdtCodec::encode, CrdtCodec::decodeCounter, CodecException.class))
        .ops(random -> {
          int roll = random.nextInt(20);
          long amount = roll == 0 ? (random.nextBoolean() ? 1 : -1) * (Long.MAX_VALUE / 3)
              : roll == 1 ? random.nextLong() >> 20 : random.nextInt(11) - 5;
          return new Increment(amount);
        })
        .convergedCheck((counter, applied) -> {
          java.math.BigInteger exact = java.math.BigInteger.ZERO;
          for (Op<Counter> op : applied) {
            exact = exact.add(java.math.BigInteger.valueOf(((Increment) op).amount()));
          }
          long sum = Counter.clamp(exact); // the value is the exact sum, clamped to a long
          if (counter.value() != sum) {
            throw new AssertionError("counter value " + counter.value()
                + " differs from the sum of applied increments " + sum);
          }
        })
        .build();
  }

  // ---- MvRegister -----------------------------------------------------------------------------

  /** {@code set(value)}. */
  public record Write(Object value) implements Op<MvRegister> {
    @Override
    public MvRegister apply(MvRegister state, Replica replica) {
      return state.set(replica, value);
    }

    @Override
    public String description() {
      return "set(" + show(value) + ")";
    }
  }

  /** The multi-value register; converged values are values that were written. */
  public static CrdtSpec<MvRegister> mvRegister() {
    return CrdtSpec.builder("MvRegister", MvRegister::new)
        .codec(Codec.of(CrdtCodec::encode, CrdtCodec::decodeRegister, CodecException.class))
        .ops(random -> new Write(RandomValues.scalar(random)))
        .convergedCheck((register, applied) -> {
          List<Object> written = new ArrayList<>();
          applied.forEach(op -> written.add(dev.meridian.crdt.Scalars.normalize(((Write) op).value())));
          List<Object> values = register.values();
          if (values.isEmpty() != written.isEmpty() || !written.containsAll(values)) {
            throw new AssertionError("register values " + values + " are not among the written "
                + written);
          }
          if (!values.isEmpty() && !Objects.equals(register.get().orElse(null), values.get(0))) {
            throw new AssertionError("get() " + register.get() + " is not the first of " + values);
          }
        })
        .build();
  }

  // ---- EwFlag ---------------------------------------------------------------------------------

  /** The enable-wins flag; converged: on if the last applied op anywhere was an enable. */
  public static CrdtSpec<EwFlag> ewFlag() {
    Op<EwFlag> enable = Op.of("enable", (f, r) -> f.enable(r));
    Op<EwFlag> disable = Op.of("disable", (f, r) -> f.disable(r));
    return CrdtSpec.builder("EwFlag", EwFlag::new)
        .codec(Codec.of(CrdtCodec::encode, CrdtCodec::decodeFlag, CodecException.class))
        .ops(random -> random.nextBoolean() ? enable : disable)
        .convergedCheck((flag, applied) -> {
          if (!applied.isEmpty() && applied.get(applied.size() - 1) == enable && !flag.value()) {
            throw new AssertionError("the last op applied was an enable, yet the flag is off");
          }
          if (applied.stream().noneMatch(op -> op == enable) && flag.value()) {
            throw new AssertionError("the flag is on but nobody enabled it");
          }
        })
        .build();
  }

  // ---- AwSet ----------------------------------------------------------------------------------

  /** {@code add(element)} or {@code remove(element)}. */
  public record SetOp(boolean add, Object element) implements Op<AwSet> {
    @Override
    public AwSet apply(AwSet state, Replica replica) {
      return add ? state.add(replica, element) : state.remove(replica, element);
    }

    @Override
    public String description() {
      return (add ? "add(" : "remove(") + show(element) + ")";
    }
  }

  /**
   * The add-wins set; converged: only added elements are present, and an element whose last applied
   * op was an add is present (add wins).
   */
  public static CrdtSpec<AwSet> awSet() {
    return CrdtSpec.builder("AwSet", AwSet::new)
        .codec(Codec.of(CrdtCodec::encode, CrdtCodec::decodeSet, CodecException.class))
        .ops(random -> new SetOp(random.nextInt(3) != 0, RandomValues.element(random)))
        .convergedCheck((set, applied) -> {
          Map<Object, Boolean> last = new LinkedHashMap<>();
          for (Op<AwSet> op : applied) {
            SetOp s = (SetOp) op;
            last.put(dev.meridian.crdt.Scalars.normalize(s.element()), s.add());
          }
          for (Object e : set.elements()) {
            if (!last.containsKey(e)) {
              throw new AssertionError(e + " is present but was never added");
            }
          }
          last.forEach((e, added) -> {
            if (added && !set.contains(e)) {
              throw new AssertionError(e + " was last added, yet is absent: " + set.elements());
            }
          });
        })
        .build();
  }

  // ---- OrMap ----------------------------------------------------------------------------------

  /** An update or remove of a nested typed key in an {@link OrMap}. */
  @SuppressWarnings("EnumOrdinal") // a remove draws one of the first five types (tags) by index
  public static OpGenerator<OrMap> orMapOps(int maxDepth) {
    return random -> {
      List<String> path = RandomValues.path(random, maxDepth);
      int roll = random.nextInt(12);
      switch (roll) {
        case 0 -> {
          CrdtType type = random.nextBoolean() ? null : CrdtType.values()[random.nextInt(5)];
          return Op.of("remove(" + path + ", " + (type == null ? "any" : type.label()) + ")",
              (m, r) -> m.remove(r, path, type));
        }
        case 1, 2 -> {
          Object v = RandomValues.scalar(random);
          return Op.of("set(" + path + ", " + show(v) + ")", (m, r) -> m.update(r, path,
              CrdtType.REGISTER, (cur, dot, ctx) -> MvRegister.setDelta(fun(cur), r, dot, v, ctx)));
        }
        case 3, 4 -> {
          long n = random.nextInt(11) - 5L;
          return Op.of("increment(" + path + ", " + n + ")", (m, r) -> m.update(r, path,
              CrdtType.COUNTER, (cur, dot, ctx) -> Counter.incrementDelta(fun(cur), dot, n, ctx)));
        }
        case 5 -> {
          return Op.of("enable(" + path + ")", (m, r) -> m.update(r, path, CrdtType.FLAG,
              (cur, dot, ctx) -> EwFlag.enableDelta((DotSet) cur, dot, ctx)));
        }
        case 6 -> {
          return Op.of("disable(" + path + ")", (m, r) -> m.update(r, path, CrdtType.FLAG,
              (cur, dot, ctx) -> EwFlag.disableDelta((DotSet) cur, ctx)));
        }
        case 7, 8, 9 -> {
          Object e = RandomValues.element(random);
          return Op.of("add(" + path + ", " + show(e) + ")", (m, r) -> m.update(r, path,
              CrdtType.SET, (cur, dot, ctx) -> AwSet.addDelta(set(cur), e, dot, ctx)));
        }
        default -> {
          Object e = RandomValues.element(random);
          return Op.of("removeElement(" + path + ", " + show(e) + ")", (m, r) -> m.update(r, path,
              CrdtType.SET, (cur, dot, ctx) -> AwSet.removeDelta(set(cur), e, ctx)));
        }
      }
    };
  }

  /** The observed-remove map: nested paths up to depth 3, every value type, removes. */
  public static CrdtSpec<OrMap> orMap() {
    return CrdtSpec.builder("OrMap", OrMap::new)
        .ops(orMapOps(3))
        .codec(Codec.of(CrdtCodec::encode, CrdtCodec::decodeOrMap, CodecException.class))
        .build();
  }

  // ---- Document -------------------------------------------------------------------------------

  /**
   * Document edits at paths up to depth {@code maxDepth}: every mutator, including {@code remove}
   * and {@code putMap}. An edit the document refuses with {@link IllegalArgumentException} (a type
   * clash) is a refused op.
   */
  public static OpGenerator<Document> documentOps(int maxDepth) {
    return DocumentOps.documentOps(maxDepth);
  }

  /** The JSON document: paths up to depth 3, all mutators; type clashes are refused ops. */
  public static CrdtSpec<Document> document() {
    return CrdtSpec.builder("Document", Document::empty)
        .codec(Codec.of(CrdtCodec::encode, CrdtCodec::decodeDocument, CodecException.class))
        .newState(Document::create)
        .ops(documentOps(3))
        .show(d -> d.toJson() + " " + d.map())
        .build();
  }

  /**
   * Document edits of lists and text at a few paths (mostly a list name and a text name, one name
   * both use, one nested in a map the other ops write): list inserts (scalars and
   * small maps), deletes, writes of elements and of their fields, element removals, lists nested
   * in elements, text inserts and deletes. Positions are drawn independently of the state and taken
   * modulo the current length; a position past the end, or a type clash, is a refused op.
   */
  public static OpGenerator<Document> documentSequenceOps() {
    return DocumentOps.documentSequenceOps();
  }

  /**
   * The JSON document with lists and text: the edits of {@link #documentOps} (depth 2) and of
   * {@link #documentSequenceOps}, which collide on the same names.
   */
  public static CrdtSpec<Document> documentWithSequences() {
    return CrdtSpec.builder("Document+sequences", Document::empty)
        .codec(Codec.of(CrdtCodec::encode, CrdtCodec::decodeDocument, CodecException.class))
        .newState(Document::create)
        .ops(OpGenerator.oneOf(documentOps(2), documentSequenceOps(), documentSequenceOps()))
        .show(d -> d.toJson() + " " + d.map())
        .build();
  }

  // ---- Text -----------------------------------------------------------------------------------

  /**
   * {@code insert(where mod (length + 1), chars)}: positions are drawn independently of the state,
   * so one op means something on any replica's text.
   */
  public record TextInsert(int where, String chars) implements Op<Text> {
    @Override
    public Text apply(Text state, Replica replica) {
      return state.insert(replica, where % (state.length() + 1), chars);
    }

    @Override
    public String description() {
      return "insert(" + where + ", " + show(chars) + ")";
    }
  }

  /** {@code delete(where mod length, up to count)}; refused on an empty text. */
  public record TextDelete(int where, int count) implements Op<Text> {
    @Override
    public Text apply(Text state, Replica replica) {
      if (state.length() == 0) {
        return null;
      }
      int at = where % state.length();
      return state.delete(replica, at, Math.min(count, state.length() - at));
    }
  }

  /** Text edits: inserts of one to three letters and deletes of one to three characters. */
  public static OpGenerator<Text> textOps() {
    return random -> {
      int where = random.nextInt(1 << 20);
      if (random.nextInt(3) == 0) {
        return new TextDelete(where, 1 + random.nextInt(3));
      }
      StringBuilder sb = new StringBuilder();
      int n = 1 + random.nextInt(3);
      char base = (char) ('a' + random.nextInt(20));
      for (int i = 0; i < n; i++) {
        sb.append((char) (base + i));
      }
      return new TextInsert(where, sb.toString());
    };
  }

  /**
   * The text: small edits that collide; converged: only inserted characters remain, no more of
   * each than were inserted.
   */
  public static CrdtSpec<Text> text() {
    return CrdtSpec.builder("Text", Text::new)
        .codec(Codec.of(CrdtCodec::encode, CrdtCodec::decodeText, CodecException.class))
        .ops(textOps())
        .show(t -> show(t.value()) + " " + t)
        .convergedCheck((t, applied) -> {
          int[] inserted = new int[65536];
          for (Op<Text> op : applied) {
            if (op instanceof TextInsert ins) {
              ins.chars().chars().forEach(c -> inserted[c]++);
            }
          }
          for (char c : t.value().toCharArray()) {
            if (--inserted[c] < 0) {
              throw new AssertionError("'" + c + "' appears more often than it was inserted: "
                  + show(t.value()));
            }
          }
        })
        .build();
  }

  // ---- OrList ---------------------------------------------------------------------------------

  /** An edit of the element at {@code where} mod the list's size (or size + 1 to insert). */
  public record ListOp(String kind, int where, Object value) implements Op<OrList> {
    @Override
    public OrList apply(OrList state, Replica replica) {
      int n = state.size();
      try {
        switch (kind) {
          case "insert" -> {
            return state.insert(replica, where % (n + 1), value);
          }
          case "set" -> {
            return n == 0 ? null : state.set(replica, where % n, value);
          }
          case "setField" -> {
            return n == 0 ? null : state.setField(replica, where % n, "f", value);
          }
          default -> {
            if (n == 0) {
              return null;
            }
            int at = where % n;
            return state.delete(replica, at, Math.min((Integer) value, n - at));
          }
        }
      } catch (IllegalArgumentException typeClash) {
        return null;
      }
    }

    @Override
    public String description() {
      return kind + "(" + where + ", " + (value instanceof String ? show(value) : value) + ")";
    }
  }

  /** List edits: inserts of scalars and small maps, overwrites, field writes, deletes. */
  public static OpGenerator<OrList> listOps() {
    return random -> {
      int where = random.nextInt(1 << 20);
      switch (random.nextInt(8)) {
        case 0, 1 -> {
          return new ListOp("insert", where, RandomValues.scalar(random));
        }
        case 2 -> {
          return new ListOp("insert", where, Map.of("f", RandomValues.element(random)));
        }
        case 3 -> {
          return new ListOp("set", where, RandomValues.scalar(random));
        }
        case 4, 5 -> {
          return new ListOp("setField", where, RandomValues.element(random));
        }
        default -> {
          return new ListOp("delete", where, 1 + random.nextInt(2));
        }
      }
    };
  }

  /** The list: inserts, overwrites, field writes and deletes that collide. */
  public static CrdtSpec<OrList> orList() {
    return CrdtSpec.builder("OrList", OrList::new)
        .codec(Codec.of(CrdtCodec::encode, CrdtCodec::decodeList, CodecException.class))
        .ops(listOps())
        .show(l -> l.value() + " " + l)
        .build();
  }

  // ---- helpers --------------------------------------------------------------------------------

  static String show(Object v) {
    if (v instanceof String string) {
      return '"' + string.replace("\n", "\\n").replace("\u0000", "\\0") + '"';
    }
    return String.valueOf(v);
  }

  @SuppressWarnings("unchecked")
  private static <V> DotFun<V> fun(DotStore s) {
    return (DotFun<V>) s;
  }

  @SuppressWarnings("unchecked")
  private static DotMap<Object> set(DotStore s) {
    return (DotMap<Object>) s;
  }
}
