package dev.meridian.crdt.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.Random;
import java.util.zip.Deflater;
import org.junit.jupiter.api.Test;

/**
 * Decompression in the decoder allocates by what actually inflates, not by the size a blob
 * declares: a blob that declares 256 times its size and inflates to little costs little memory.
 */
class InflateBoundTest {
  private static byte[] deflate(byte[] raw) {
    Deflater d = new Deflater();
    d.setInput(raw);
    d.finish();
    byte[] buf = new byte[raw.length + 1024];
    int n = d.deflate(buf);
    d.end();
    return java.util.Arrays.copyOf(buf, n);
  }

  private static long allocated() {
    return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean())
        .getCurrentThreadAllocatedBytes();
  }

  @Test
  void inflate_sizeDeclaredFarAboveTheOutput_isRefusedWithoutAllocatingIt() throws Exception {
    byte[] raw = new byte[400_000];
    new Random(1).nextBytes(raw); // incompressible: inflates to about its deflated size
    byte[] deflated = deflate(raw);
    long declared = 256L * deflated.length; // the most the ratio cap lets a blob declare: ~100 MB
    assertArrayEquals(raw, SequenceDecoder.inflate(deflated, raw.length)); // warm-up, and correct
    long before = allocated();
    CodecException e = assertThrows(CodecException.class,
        () -> SequenceDecoder.inflate(deflated, declared));
    long used = allocated() - before;
    assertTrue(e.getMessage().contains("do not inflate to " + declared), e.getMessage());
    // The output is 400 KB; growth by doubling stays within a few times that, far below 100 MB.
    assertTrue(used < 8L * raw.length, "allocated " + used + " bytes for a blob declaring "
        + declared);
  }

  @Test
  void inflate_exactSize_growsToIt() throws Exception {
    byte[] raw = new byte[3_000_000]; // two letters at random: about 8:1, so the buffer grows
    Random random = new Random(2);
    for (int i = 0; i < raw.length; i++) {
      raw[i] = (byte) (random.nextBoolean() ? 'a' : 'b');
    }
    byte[] deflated = deflate(raw);
    assertArrayEquals(raw, SequenceDecoder.inflate(deflated, raw.length));
    assertThrows(CodecException.class, () -> SequenceDecoder.inflate(deflated, raw.length - 1),
        "more output than declared");
  }
}
