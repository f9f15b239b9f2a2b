package dev.meridian.crdt.doc;

import com.google.common.collect.ImmutableList;
import dev.meridian.crdt.CrdtType;
import dev.meridian.crdt.map.OrMap;
import dev.meridian.crdt.map.TypedKey;
import dev.meridian.crdt.register.MvRegister;
import dev.meridian.crdt.register.RegisterEntry;
import dev.meridian.crdt.store.DotFun;
import dev.meridian.crdt.store.DotMap;
import dev.meridian.crdt.store.DotSeq;
import dev.meridian.crdt.store.DotStore;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableSet;

/**
 * A place in a document where concurrent writes left more than one value: either values of
 * different types under one key, or concurrent values of one register. The first candidate is what
 * the JSON view shows.
 *
 * @param path where the conflict is
 * @param candidates the competing values, the shown one first
 */
public record Conflict(String path, ImmutableList<Candidate> candidates) {
  /**
   * One competing value.
   *
   * @param type its type
   * @param value its JSON-like value
   */
  public record Candidate(CrdtType type, Object value) {}

  /** Every conflict in the document whose root map is {@code root}, in path order. */
  static List<Conflict> collect(DotMap<TypedKey> root) {
    List<Conflict> out = new ArrayList<>();
    collectConflicts(root, null, out);
    return out;
  }

  private static void collectConflicts(DotMap<TypedKey> m, Path at, List<Conflict> out) {
    for (String name : OrMap.namesOf(m)) {
      Path p = at == null ? Path.ofKeys(List.of(name)) : at.child(name);
      NavigableSet<CrdtType> types = OrMap.typesOf(m, name);
      if (types.size() > 1) {
        ImmutableList.Builder<Conflict.Candidate> b = ImmutableList.builder();
        for (CrdtType t : types.descendingSet()) {
          b.add(new Conflict.Candidate(t, Values.render(t, m.get(new TypedKey(name, t)))));
        }
        out.add(new Conflict(p.toString(), b.build()));
      }
      for (CrdtType t : types) {
        collectValueConflicts(t, m.get(new TypedKey(name, t)), p, out);
      }
    }
  }

  /** Conflicts inside one value: a register's concurrent values, or those below a map or list. */
  private static void collectValueConflicts(CrdtType type, DotStore s, Path p, List<Conflict> out) {
    if (type == CrdtType.REGISTER && ((DotFun<?>) s).size() > 1) {
      ImmutableList.Builder<Conflict.Candidate> b = ImmutableList.builder();
      for (Object v : MvRegister.values(registerOf(s))) {
        b.add(new Conflict.Candidate(CrdtType.REGISTER, v));
      }
      out.add(new Conflict(p.toString(), b.build()));
    } else if (type == CrdtType.MAP) {
      collectConflicts(PathWalk.castTypedMap(s), p, out);
    } else if (type == CrdtType.LIST) {
      List<DotSeq.Element> elements = ((DotSeq) s).elements();
      for (int i = 0; i < elements.size(); i++) {
        collectValueConflicts(elements.get(i).type(), elements.get(i).value(), p.index(i), out);
      }
    }
  }

  @SuppressWarnings("unchecked")
  private static DotFun<RegisterEntry> registerOf(DotStore s) {
    return (DotFun<RegisterEntry>) s;
  }
}
