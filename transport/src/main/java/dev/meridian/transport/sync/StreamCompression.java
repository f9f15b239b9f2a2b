package dev.meridian.transport.sync;

import com.google.protobuf.ByteString;
import java.io.ByteArrayOutputStream;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * The "deflate-stream" batch compression: one raw DEFLATE stream per Sync stream and direction,
 * flushed after each batch, its context kept from batch to batch (as WebSocket's permessage-deflate
 * with context takeover, RFC 7692). Small deltas repeat replica ids, keys and timestamp prefixes,
 * which the shared context turns into back-references: about a third of the bytes. Needs ordered,
 * lossless delivery, which a gRPC stream gives. Each end holds native zlib memory (about 300 KiB
 * for the deflater): {@link #end()} frees it.
 */
final class StreamCompression {
  /** The name in Hello.compression. */
  static final String NAME = "deflate-stream";

  private static final byte[] FLUSH_TAIL = {0, 0, (byte) 0xff, (byte) 0xff};

  private Deflater deflater;
  private Inflater inflater;
  private final byte[] buffer = new byte[16 << 10];

  /** Compresses one batch's serialized deltas. */
  ByteString compress(byte[] input) {
    if (deflater == null) {
      deflater = new Deflater(1, true);
    }
    deflater.setInput(input);
    ByteString.Output out = ByteString.newOutput(input.length / 2 + 16);
    int n;
    do {
      n = deflater.deflate(buffer, 0, buffer.length, Deflater.SYNC_FLUSH);
      out.write(buffer, 0, n);
    } while (n == buffer.length);
    ByteString all = out.toByteString();
    // Every sync flush ends with 00 00 FF FF: leave it out, the receiver puts it back.
    return all.substring(0, all.size() - FLUSH_TAIL.length);
  }

  /**
   * Inflates one batch; at most {@code limit} bytes.
   *
   * @throws BadFrameException if the data is not a valid continuation of the stream, or too big
   */
  byte[] decompress(ByteString input, int limit) throws BadFrameException {
    if (inflater == null) {
      inflater = new Inflater(true);
    }
    inflater.setInput(input.concat(ByteString.copyFrom(FLUSH_TAIL)).toByteArray());
    ByteArrayOutputStream out = new ByteArrayOutputStream(input.size() * 3);
    try {
      while (!inflater.needsInput()) {
        int n = inflater.inflate(buffer);
        if (n == 0 && (inflater.finished() || inflater.needsDictionary())) {
          break;
        }
        out.write(buffer, 0, n);
        if (out.size() > limit) {
          throw new BadFrameException(Refusal.Code.RESOURCE_EXHAUSTED,
              "compressed batch inflates beyond the limit of " + limit + " bytes");
        }
      }
    } catch (DataFormatException e) {
      throw Frames.bad("compressed batch is not a valid continuation of the stream: %s",
          e.getMessage());
    }
    if (inflater.finished()) {
      throw Frames.bad("compressed batch ends the DEFLATE stream");
    }
    return out.toByteArray();
  }

  /** Frees the native memory; idempotent. */
  void end() {
    if (deflater != null) {
      deflater.end();
      deflater = null;
    }
    if (inflater != null) {
      inflater.end();
      inflater = null;
    }
  }
}
