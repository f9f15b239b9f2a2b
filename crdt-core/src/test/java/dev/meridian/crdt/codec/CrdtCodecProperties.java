package dev.meridian.crdt.codec;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.meridian.crdt.Replica;
import dev.meridian.crdt.ReplicaId;
import dev.meridian.crdt.clock.HybridClock;
import dev.meridian.crdt.counter.Counter;
import dev.meridian.crdt.doc.Document;
import dev.meridian.crdt.flag.EwFlag;
import dev.meridian.crdt.register.MvRegister;
import dev.meridian.crdt.sequence.OrList;
import dev.meridian.crdt.sequence.Text;
import dev.meridian.crdt.set.AwSet;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

/**
 * Corrupt input: random bytes and mutated valid encodings fed to every decoder. A decoder may only
 * return a value or throw {@link CodecException}: no other exception, no hang, no large allocation.
 */
class CrdtCodecProperties {
  private interface Decoder {
    Object decode(byte[] bytes) throws CodecException;
  }

  private static final List<Decoder> DECODERS = List.of(
      CrdtCodec::decodeDocument,
      CrdtCodec::decodeOrMap,
      CrdtCodec::decodeCounter,
      CrdtCodec::decodeRegister,
      CrdtCodec::decodeFlag,
      CrdtCodec::decodeSet,
      CrdtCodec::decodeText,
      CrdtCodec::decodeList,
      CrdtCodec::decodeContext);

  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  @Property
  void decode_randomBytes_returnsOrThrowsCodecException(@ForAll @Size(max = 300) byte[] bytes) {
    checkAllDecoders(bytes);
  }

  @Property
  void decode_versionedRandomBytes_returnsOrThrowsCodecException(
      @ForAll @Size(max = 300) byte[] bytes) {
    byte[] withVersion = new byte[bytes.length + 1];
    withVersion[0] = CrdtCodec.FORMAT_VERSION;
    System.arraycopy(bytes, 0, withVersion, 1, bytes.length);
    checkAllDecoders(withVersion);
  }

  @Property
  void decode_mutatedValidEncoding_returnsOrThrowsCodecException(
      @ForAll("validEncodings") byte[] valid, @ForAll long mutationSeed) {
    Random random = new Random(mutationSeed);
    byte[] bytes = mutate(valid, random);
    checkAllDecoders(bytes);
  }

  @Provide
  Arbitrary<byte[]> validEncodings() {
    return Arbitraries.longs().map(CrdtCodecProperties::randomEncoding);
  }

  /** Flips, overwrites, inserts, deletes or truncates a few bytes (never the version byte alone). */
  private static byte[] mutate(byte[] valid, Random random) {
    List<Byte> b = new ArrayList<>();
    for (byte x : valid) {
      b.add(x);
    }
    int edits = 1 + random.nextInt(4);
    for (int i = 0; i < edits && b.size() > 1; i++) {
      int pos = 1 + random.nextInt(b.size() - 1);
      switch (random.nextInt(5)) {
        case 0 -> b.set(pos, (byte) (b.get(pos) ^ (1 << random.nextInt(8))));
        case 1 -> b.set(pos, (byte) random.nextInt(256));
        case 2 -> b.add(pos, (byte) random.nextInt(256));
        case 3 -> b.remove(pos);
        default -> b.subList(pos, b.size()).clear();
      }
    }
    byte[] out = new byte[b.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = b.get(i);
    }
    return out;
  }

  private static byte[] randomEncoding(long seed) {
    Random random = new Random(seed);
    Replica a = Replica.resume(ReplicaId.of(random.nextLong()), random.nextInt(100_000), new HybridClock());
    Replica b = Replica.resume(ReplicaId.of(random.nextLong()), random.nextInt(100), new HybridClock());
    switch (random.nextInt(8)) {
      case 5 -> {
        Text t = new Text();
        Text delta = null;
        for (int i = 0; i < 1 + random.nextInt(8); i++) {
          Replica w = random.nextBoolean() ? a : b;
          if (t.length() > 0 && random.nextInt(3) == 0) {
            int at = random.nextInt(t.length());
            delta = t.delete(w, at, 1 + random.nextInt(t.length() - at));
          } else {
            delta = t.insert(w, random.nextInt(t.length() + 1),
                random.nextBoolean() ? "ab\u00e9" : "\ud83d\ude00x");
          }
        }
        return CrdtCodec.encode(delta != null && random.nextBoolean() ? delta : t);
      }
      case 6 -> {
        OrList l = new OrList();
        OrList delta = null;
        for (int i = 0; i < 1 + random.nextInt(6); i++) {
          Replica w = random.nextBoolean() ? a : b;
          if (l.size() > 0 && random.nextInt(3) == 0) {
            int at = random.nextInt(l.size());
            delta = random.nextBoolean() || !(l.get(at) instanceof String) ? l.delete(w, at, 1)
                : l.set(w, at, random.nextLong());
          } else {
            delta = l.insert(w, random.nextInt(l.size() + 1),
                random.nextBoolean() ? (Object) "v" : java.util.Map.of("k", random.nextInt(9)));
          }
        }
        return CrdtCodec.encode(delta != null && random.nextBoolean() ? delta : l);
      }
      case 7 -> {
        Document d = Document.create(a);
        Document delta = d.insert("l", 0, java.util.Map.of("t", "x"));
        d.insertText("l[0].body", 0, "hello");
        d.insert("l", 1, 5);
        delta = random.nextBoolean() ? d.deleteText("l[0].body", 1, 2) : delta;
        delta = random.nextBoolean() ? d.remove("l[1]") : delta;
        return CrdtCodec.encode(random.nextBoolean() ? delta : d);
      }
      case 0 -> {
        Counter c = new Counter();
        c.increment(a, random.nextInt());
        c.increment(b, random.nextLong());
        return CrdtCodec.encode(c);
      }
      case 1 -> {
        MvRegister r = new MvRegister();
        r.set(a, "v" + random.nextInt());
        return CrdtCodec.encode(random.nextBoolean() ? r : r.set(b, random.nextDouble()));
      }
      case 2 -> {
        AwSet s = new AwSet();
        s.add(a, random.nextInt(10));
        s.add(b, "x");
        return CrdtCodec.encode(random.nextBoolean() ? s : s.remove(a, "x"));
      }
      case 3 -> {
        EwFlag f = new EwFlag();
        f.enable(a);
        return CrdtCodec.encode(random.nextBoolean() ? f : f.disable(b));
      }
      default -> {
        Document d = Document.create(a);
        Document delta = null;
        String[] names = {"a", "b", "c.d", "c.e", "f.g.h"};
        for (int i = 0; i < 1 + random.nextInt(6); i++) {
          String p = names[random.nextInt(names.length)];
          try {
            delta = switch (random.nextInt(5)) {
              case 0 -> d.set(p, random.nextBoolean() ? "s" : (Object) random.nextLong());
              case 1 -> d.increment(p, random.nextInt(100) - 50);
              case 2 -> d.add(p, random.nextInt(3));
              case 3 -> d.enable(p);
              default -> d.remove(p);
            };
          } catch (IllegalArgumentException typeClash) {
            // a path through a value of another type: skipped, the document is unchanged
          }
        }
        return CrdtCodec.encode(delta != null && random.nextBoolean() ? delta : d);
      }
    }
  }

  private static void checkAllDecoders(byte[] bytes) {
    for (Decoder decoder : DECODERS) {
      long thread = Thread.currentThread().getId();
      long allocatedBefore = THREADS.getThreadAllocatedBytes(thread);
      long start = System.nanoTime();
      try {
        Object decoded = decoder.decode(bytes);
        checkUsable(decoded);
      } catch (CodecException expected) {
        assertTrue(expected.getMessage() != null && !expected.getMessage().isEmpty());
      } catch (RuntimeException | Error e) {
        fail("decoder threw " + e + " instead of CodecException for " + hex(bytes), e);
      }
      long allocated = THREADS.getThreadAllocatedBytes(thread) - allocatedBefore;
      long millis = (System.nanoTime() - start) / 1_000_000;
      // Generous bounds that only a forged length or a loop over one could break.
      assertTrue(allocated < 4_000_000 + 1_000L * bytes.length,
          "decoding " + bytes.length + " bytes allocated " + allocated + " bytes: " + hex(bytes));
      assertTrue(millis < 2_000, "decoding took " + millis + " ms: " + hex(bytes));
    }
  }

  /** Whatever decodes must be a working state: it reads, copies, joins and round-trips. */
  private static void checkUsable(Object decoded) throws CodecException {
    if (decoded instanceof Document d) {
      d.toJson();
      d.conflicts();
      Document joined = Document.empty();
      joined.join(d);
      joined.join(d.copy());
      assertTrue(CrdtCodec.decodeDocument(CrdtCodec.encode(d)).equals(d), "re-encoding changed the state");
    } else if (decoded instanceof Counter c) {
      c.value();
      assertTrue(CrdtCodec.decodeCounter(CrdtCodec.encode(c)).equals(c), "re-encoding changed the state");
    } else if (decoded instanceof MvRegister r) {
      r.values();
      assertTrue(CrdtCodec.decodeRegister(CrdtCodec.encode(r)).equals(r), "re-encoding changed the state");
    } else if (decoded instanceof Text t) {
      t.value();
      Text joined = new Text();
      joined.join(t);
      joined.join(t.copy());
      assertTrue(CrdtCodec.decodeText(CrdtCodec.encode(t)).equals(t), "re-encoding changed the state");
    } else if (decoded instanceof OrList l) {
      l.value();
      OrList joined = new OrList();
      joined.join(l);
      assertTrue(CrdtCodec.decodeList(CrdtCodec.encode(l)).equals(l), "re-encoding changed the state");
    } else if (decoded instanceof AwSet s) {
      s.elements();
      assertTrue(CrdtCodec.decodeSet(CrdtCodec.encode(s)).equals(s), "re-encoding changed the state");
    }
  }

  private static String hex(byte[] bytes) {
    StringBuilder sb = new StringBuilder();
    for (byte b : bytes) {
      sb.append(String.format("%02x", b));
    }
    return sb.toString();
  }
}
