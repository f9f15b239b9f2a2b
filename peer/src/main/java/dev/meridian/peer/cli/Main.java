package dev.meridian.peer.cli;

import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The {@code meridian} command: the peer daemon ({@code meridian peer}) and the client commands
 * that talk to a running peer ({@code get}, {@code update}, {@code delete}, {@code list}, {@code
 * watch}, {@code status}).
 *
 * <p>Exit codes: {@value #OK} success; {@value #FAILED} the peer refused or failed the request
 * (the gRPC status code and message go to standard error as {@code meridian: CODE: message}, and
 * {@code get} of an absent document); {@value #USAGE} usage error (one line saying what is wrong,
 * also for operations, JSON or options that can be checked without the peer, then where the usage
 * is); {@value #UNREACHABLE}
 * the peer could not be reached (gRPC {@code UNAVAILABLE}, or no answer within {@code --timeout}).
 * Expected errors print one line, never a stack trace.
 */
@Command(
    name = "meridian",
    mixinStandardHelpOptions = true,
    version = Main.VERSION,
    description = "Meridian, a replicated JSON document store: run a peer, or talk to one.",
    subcommands = {
        PeerCommand.class,
        GetCommand.class,
        UpdateCommand.class,
        DeleteCommand.class,
        ListCommand.class,
        WatchCommand.class,
        StatusCommand.class,
        BackupCommand.class,
        RestoreCommand.class,
        TokenCommand.class,
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:success",
        "1:the peer refused or failed the request (or get found no document)",
        "2:usage error (bad option, operation or JSON)",
        "3:cannot reach the peer (unavailable, or no answer within --timeout)",
    },
    footerHeading = "%nEnvironment:%n",
    footer = {
        "  MERIDIAN_PEER   the default for --peer (HOST:PORT) of the client commands",
        "  MERIDIAN_TOKEN  the bearer token the client commands send (or --token-file)",
        "",
        "Run 'meridian COMMAND --help' for a command's options and examples.",
    })
public final class Main implements Callable<Integer> {
  /** The version that {@code --version} prints. */
  static final String VERSION = "0.1.0";

  /** Exit code: success. */
  public static final int OK = 0;
  /** Exit code: the peer refused or failed the request. */
  public static final int FAILED = 1;
  /** Exit code: usage error. */
  public static final int USAGE = 2;
  /** Exit code: the peer could not be reached. */
  public static final int UNREACHABLE = 3;

  /** The environment variable that overrides the default {@code --peer}. */
  static final String PEER_ENV = "MERIDIAN_PEER";

  private final Map<String, String> env;

  @Spec
  CommandSpec spec;

  private Main(Map<String, String> env) {
    this.env = env;
  }

  /** Runs {@code meridian} with {@code args} and exits the JVM with its exit code. */
  public static void main(String[] args) {
    if (System.getProperty("logback.configurationFile") == null) {
      // The daemon's log format (standard error, MERIDIAN_LOG_LEVEL), before anything logs.
      System.setProperty("logback.configurationFile", "meridian-logback.xml");
    }
    System.exit(run(args));
  }

  /**
   * Runs {@code meridian} with {@code args}, writing to standard output and error; never exits the
   * JVM.
   *
   * @return the exit code: {@link #OK}, {@link #FAILED}, {@link #USAGE} or {@link #UNREACHABLE}
   *     (or whatever {@code meridian peer} returns)
   */
  public static int run(String... args) {
    Charset cs = Charset.defaultCharset();
    return run(new PrintWriter(new OutputStreamWriter(System.out, cs), true),
        new PrintWriter(new OutputStreamWriter(System.err, cs), true), args);
  }

  /**
   * Runs {@code meridian} with {@code args}, writing its output and usage help to {@code out} and
   * its errors to {@code err} (both flushed before returning); never exits the JVM. Reads
   * {@code MERIDIAN_PEER} from the process environment.
   *
   * @return the exit code, as {@link #run(String...)}
   */
  public static int run(PrintWriter out, PrintWriter err, String... args) {
    return run(System.getenv(), out, err, args);
  }

  /** As {@link #run(PrintWriter, PrintWriter, String...)}, with the environment given. */
  static int run(Map<String, String> env, PrintWriter out, PrintWriter err, String... args) {
    Objects.requireNonNull(env, "env");
    Objects.requireNonNull(out, "out");
    Objects.requireNonNull(err, "err");
    Objects.requireNonNull(args, "args");
    CommandLine cmd = commandLine(env);
    cmd.setOut(out);
    cmd.setErr(err);
    try {
      return cmd.execute(args);
    } finally {
      out.flush();
      err.flush();
    }
  }

  /** The command tree, with {@code env} as the environment the client commands see. */
  static CommandLine commandLine(Map<String, String> env) {
    CommandLine cmd = new CommandLine(new Main(Map.copyOf(env)));
    cmd.setParameterExceptionHandler(Main::usageError);
    return cmd;
  }

  /**
   * A usage error: the message (and suggestions for a mistyped word), then where to find the
   * usage, so the message is the last thing on screen rather than above a page of help. Bare
   * {@code meridian} gets the full usage: there is no message worth keeping in view.
   */
  private static int usageError(ParameterException e, String[] args) {
    CommandLine c = e.getCommandLine();
    PrintWriter err = c.getErr();
    err.println(e.getMessage());
    if (c.getParent() == null && args.length == 0) {
      c.usage(err);
      return USAGE;
    }
    UnmatchedArgumentException.printSuggestions(e, err);
    err.println("Run '" + c.getCommandSpec().qualifiedName() + " --help' for usage.");
    return USAGE;
  }

  /** The environment variables the client commands read ({@link #PEER_ENV}). */
  Map<String, String> env() {
    return env;
  }

  /** {@code meridian} without a command: a usage error. */
  @Override
  public Integer call() {
    throw new ParameterException(spec.commandLine(), "Missing required subcommand");
  }
}
