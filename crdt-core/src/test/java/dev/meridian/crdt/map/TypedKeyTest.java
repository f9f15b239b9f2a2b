package dev.meridian.crdt.map;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.common.collect.ImmutableSortedSet;
import com.google.common.testing.EqualsTester;
import com.google.common.testing.NullPointerTester;
import dev.meridian.crdt.CrdtType;
import java.util.List;
import org.junit.jupiter.api.Test;

class TypedKeyTest {
  @Test
  void equals_byNameAndType() {
    new EqualsTester()
        .addEqualityGroup(new TypedKey("a", CrdtType.REGISTER), new TypedKey("a", CrdtType.REGISTER))
        .addEqualityGroup(new TypedKey("a", CrdtType.COUNTER))
        .addEqualityGroup(new TypedKey("b", CrdtType.REGISTER))
        .addEqualityGroup(new TypedKey("", CrdtType.MAP))
        .testEquals();
  }

  @Test
  void compareTo_nameThenTypeTag() {
    TypedKey a1 = new TypedKey("a", CrdtType.REGISTER);
    TypedKey a5 = new TypedKey("a", CrdtType.MAP);
    TypedKey b2 = new TypedKey("b", CrdtType.COUNTER);

    assertEquals(List.of(a1, a5, b2), List.copyOf(ImmutableSortedSet.of(b2, a5, a1)));
  }

  @Test
  void new_null_throws() {
    new NullPointerTester()
        .setDefault(CrdtType.class, CrdtType.SET)
        .testAllPublicConstructors(TypedKey.class);
  }

  @Test
  void toString_nameColonLabel() {
    assertEquals("tags:set", new TypedKey("tags", CrdtType.SET).toString());
  }
}
