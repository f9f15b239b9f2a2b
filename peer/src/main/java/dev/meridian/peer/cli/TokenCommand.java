package dev.meridian.peer.cli;

import dev.meridian.peer.access.Grant;
import dev.meridian.peer.access.Tokens;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code meridian token}: makes bearer tokens and their access-file lines. {@code new NAME
 * GRANT...} prints a new random token and the {@code token} line that grants it; {@code hash}
 * prints the {@code sha256:<hex>} of a token read from {@code --token-file}, {@code
 * MERIDIAN_TOKEN} or standard input. Neither takes a token as an argument, where {@code ps} would
 * show it.
 */
@Command(name = "token", mixinStandardHelpOptions = true,
    description = "Makes bearer tokens and the access-file lines that grant them.",
    subcommands = {TokenCommand.New.class, TokenCommand.Hash.class},
    footer = {"", "Examples:",
        "  meridian token new cart-service write:carts/* read:users/*",
        "  meridian token hash --token-file cart.token",
        "  printf %s \"$TOKEN\" | sha256sum     # the same hash, without meridian"})
final class TokenCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @ParentCommand
  Main root;

  @Override
  public Integer call() {
    throw new ParameterException(spec.commandLine(), "Missing required subcommand (new or hash)");
  }

  /** {@code meridian token new}. */
  @Command(name = "new", mixinStandardHelpOptions = true,
      description = {"Prints a new random token (32 bytes, base64url) and the access-file line",
          "that grants it; keep the token secret, put the line in the access file."})
  static final class New implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NAME", description = "The token's name in the file.")
    String name;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "GRANT",
        description = "role:prefix*, role one of read, write, admin (e.g. write:carts/*).")
    List<String> grants;

    @Override
    public Integer call() {
      StringBuilder line = new StringBuilder();
      for (String g : grants) {
        try {
          line.append(' ').append(Grant.parse(g));
        } catch (IllegalArgumentException e) {
          throw new ParameterException(spec.commandLine(), e.getMessage());
        }
      }
      if (!name.matches("[A-Za-z0-9._-]{1,64}")) {
        throw new ParameterException(spec.commandLine(),
            "name '" + name + "' is not 1 to 64 of A-Z a-z 0-9 . _ -");
      }
      String token = Tokens.generate();
      PrintWriter out = spec.commandLine().getOut();
      out.println("token: " + token);
      out.println("access line: token " + name + " " + Tokens.SHA256 + Tokens.sha256Hex(token)
          + line);
      out.flush();
      return Main.OK;
    }
  }

  /** {@code meridian token hash}. */
  @Command(name = "hash", mixinStandardHelpOptions = true,
      description = {"Prints sha256:<hex> of a token: from --token-file, else $MERIDIAN_TOKEN,",
          "else the first line of standard input."})
  static final class Hash implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @ParentCommand
    TokenCommand parent;

    @Option(names = "--token-file", paramLabel = "FILE", description = "A file holding the token.")
    Path tokenFile;

    @Override
    public Integer call() throws Exception {
      String token;
      String env = parent == null || parent.root == null ? null
          : parent.root.env().get(ClientOptions.TOKEN_ENV);
      if (tokenFile != null) {
        token = Files.readString(tokenFile, StandardCharsets.UTF_8);
      } else if (env != null && !env.isBlank()) {
        token = env;
      } else {
        BufferedReader in = new BufferedReader(
            new InputStreamReader(System.in, StandardCharsets.UTF_8));
        token = in.readLine();
      }
      if (token == null || token.strip().isEmpty()) {
        throw new ParameterException(spec.commandLine(), "no token given (--token-file,"
            + " $MERIDIAN_TOKEN or standard input)");
      }
      PrintWriter out = spec.commandLine().getOut();
      out.println(Tokens.SHA256 + Tokens.sha256Hex(token.strip()));
      out.flush();
      return Main.OK;
    }
  }
}
