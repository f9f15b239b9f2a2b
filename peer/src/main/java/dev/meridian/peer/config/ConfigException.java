package dev.meridian.peer.config;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * A configuration that cannot be used: the only exception {@link ConfigFile#load} and {@link
 * PeerConfig.Builder#build()} throw for bad input.
 *
 * <p>It is checked (extends {@link Exception}) because bad configuration is an expected outcome
 * the caller must handle, typically by printing {@link #getMessage()} and exiting; it is not a
 * programming error. The message is for people and reads {@code file: key: detail}, e.g. {@code
 * config.yaml: peers[1]: 'localhost' has no port (expected host:port)}. The file part is absent
 * when the setting did not come from a file (a command-line flag, or code), and the key part when
 * the problem concerns the whole file (e.g. it is missing). Keys are written as in the YAML file:
 * {@code data-dir}, {@code tls.cert}, {@code peers[1]}.
 */
public final class ConfigException extends Exception {
  private static final long serialVersionUID = 1L;

  /** What kind of problem the configuration has. */
  public enum Reason {
    /** The file does not exist, is not a regular file, or cannot be read or decoded as UTF-8. */
    UNREADABLE,
    /** The file is not well-formed YAML, or gives a key twice in one mapping. */
    SYNTAX,
    /** A key is not a known setting. */
    UNKNOWN_KEY,
    /** A value has the wrong shape: a list where a string belongs, a document that is not a mapping. */
    WRONG_TYPE,
    /** A value has the right shape but is not allowed: a bad address, name, or missing TLS file. */
    INVALID_VALUE
  }

  private final Reason reason;
  private final transient Path file;
  private final String key;

  /**
   * An exception for a problem of the given kind.
   *
   * @param reason the kind of problem
   * @param file the file the setting came from, or null if it did not come from a file
   * @param key the setting as written in YAML ({@code tls.cert}, {@code peers[0]}), or null if the
   *     problem is not about one setting
   * @param detail what is wrong, quoting the offending value
   * @throws NullPointerException if {@code reason} or {@code detail} is null
   */
  public ConfigException(Reason reason, Path file, String key, String detail) {
    this(reason, file, key, detail, null);
  }

  /**
   * The same, with the low-level cause (an I/O or YAML parser error).
   *
   * @throws NullPointerException if {@code reason} or {@code detail} is null
   */
  public ConfigException(Reason reason, Path file, String key, String detail, Throwable cause) {
    super(format(file, key, Objects.requireNonNull(detail, "detail")), cause);
    this.reason = Objects.requireNonNull(reason, "reason");
    this.file = file;
    this.key = key;
  }

  /** What kind of problem this is. */
  public Reason reason() {
    return reason;
  }

  /** The file the bad setting came from; empty if it came from a flag or code. */
  public Optional<Path> file() {
    return Optional.ofNullable(file);
  }

  /** The setting at fault, as written in YAML ({@code tls.cert}, {@code peers[1]}); empty if none. */
  public Optional<String> key() {
    return Optional.ofNullable(key);
  }

  private static String format(Path file, String key, String detail) {
    StringBuilder message = new StringBuilder();
    if (file != null) {
      message.append(file).append(": ");
    }
    if (key != null) {
      message.append(key).append(": ");
    }
    return message.append(detail).toString();
  }
}
