package dev.meridian.nemesis;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a system command (ip, nft, mount, kill) and returns what it printed. */
final class Sh {
  private Sh() {}

  /** The result of one command. */
  record Result(int exit, String output) {
    boolean ok() {
      return exit == 0;
    }
  }

  /** Runs {@code cmd} (up to 20 s), standard error merged into the output. */
  static Result run(String... cmd) {
    return runWithInput(null, cmd);
  }

  /** Runs {@code cmd} with {@code input} on its standard input. */
  static Result runWithInput(String input, String... cmd) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      if (input != null) {
        p.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
      }
      p.getOutputStream().close();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return new Result(-1, "timed out: " + String.join(" ", cmd));
      }
      return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8).trim());
    } catch (IOException e) {
      return new Result(-1, e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(-1, "interrupted");
    }
  }

  /** Runs {@code cmd} and throws with its output if it fails. */
  static String check(String... cmd) {
    Result r = run(cmd);
    if (!r.ok()) {
      throw new IllegalStateException("`" + String.join(" ", cmd) + "` failed (" + r.exit() + "): "
          + r.output());
    }
    return r.output();
  }

  /** {@code cmd} as a list with {@code prefix} in front. */
  static String[] with(List<String> prefix, String... cmd) {
    List<String> all = new ArrayList<>(prefix);
    all.addAll(List.of(cmd));
    return all.toArray(String[]::new);
  }
}
