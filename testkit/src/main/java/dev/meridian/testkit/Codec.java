package dev.meridian.testkit;

import java.util.Objects;
import java.util.function.Function;

/**
 * Encodes states and deltas of one type to bytes and back, so the harness can check round trips
 * and send real bytes over its simulated network.
 *
 * @param <T> the CRDT type
 */
public interface Codec<T> {
  /** Encodes a state or a delta. */
  byte[] encode(T value);

  /**
   * Decodes what {@link #encode} wrote.
   *
   * @throws Exception of type {@link #rejection()} if the bytes are not a valid encoding
   */
  T decode(byte[] bytes) throws Exception;

  /**
   * The one checked exception type {@link #decode} throws for bad input. Corrupted input must
   * produce this exception or a valid value, never another exception.
   */
  Class<? extends Exception> rejection();

  /** A decoder that may throw a checked exception. */
  @FunctionalInterface
  interface Decoder<T> {
    /** Decodes bytes. */
    T decode(byte[] bytes) throws Exception;
  }

  /** A codec from an encoder, a decoder and the checked exception the decoder throws. */
  static <T> Codec<T> of(
      Function<T, byte[]> encoder, Decoder<T> decoder, Class<? extends Exception> rejection) {
    Objects.requireNonNull(encoder, "encoder");
    Objects.requireNonNull(decoder, "decoder");
    Objects.requireNonNull(rejection, "rejection");
    return new Codec<>() {
      @Override
      public byte[] encode(T value) {
        return encoder.apply(value);
      }

      @Override
      public T decode(byte[] bytes) throws Exception {
        return decoder.decode(bytes);
      }

      @Override
      public Class<? extends Exception> rejection() {
        return rejection;
      }
    };
  }
}
