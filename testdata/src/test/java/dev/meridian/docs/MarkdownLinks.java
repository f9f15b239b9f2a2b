package dev.meridian.docs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks the relative links of Markdown files: every {@code [text](target)} outside code must name
 * a file or directory that exists, and a {@code #fragment} must name a heading of the target file
 * (GitHub's anchor rule: lower case, punctuation dropped, spaces to hyphens, {@code -1}, {@code -2}
 * for repeats). Links with a scheme ({@code https:}, {@code mailto:}) are not followed. Starting
 * from some files, it follows the links to other Markdown files under the same root, so one call
 * checks a document and every document it reaches.
 */
final class MarkdownLinks {
  /** One link that does not resolve: the file it is in, its line, its target and why. */
  record Broken(Path file, int line, String target, String reason) {
    @Override
    public String toString() {
      return file + ":" + line + ": (" + target + ") " + reason;
    }
  }

  /** What a check found: the files it read and the links that do not resolve. */
  record Result(Set<Path> filesChecked, int linksChecked, List<Broken> broken) {}

  private static final Pattern LINK = Pattern.compile("\\[[^\\]]*\\]\\(([^)\\s]+)(?:\\s+\"[^\"]*\")?\\)");
  private static final Pattern HEADING = Pattern.compile("^#{1,6}\\s+(.*?)\\s*#*\\s*$");
  private static final Pattern INLINE_CODE = Pattern.compile("`[^`]*`");
  private static final Pattern SCHEME = Pattern.compile("^[a-zA-Z][a-zA-Z0-9+.-]*:");

  private final Path root;
  private final Map<Path, Set<String>> anchors = new HashMap<>();

  MarkdownLinks(Path root) {
    this.root = root.toAbsolutePath().normalize();
  }

  /** Checks {@code start} (paths relative to the root) and every Markdown file they link to. */
  Result check(List<String> start) {
    Deque<Path> todo = new ArrayDeque<>();
    Set<Path> seen = new LinkedHashSet<>();
    for (String s : start) {
      todo.add(root.resolve(s).normalize());
    }
    List<Broken> broken = new ArrayList<>();
    int links = 0;
    while (!todo.isEmpty()) {
      Path file = todo.poll();
      if (!seen.add(file)) {
        continue;
      }
      if (!Files.isRegularFile(file)) {
        broken.add(new Broken(file, 0, "", "start file does not exist"));
        continue;
      }
      List<String> lines = read(file);
      boolean fenced = false;
      for (int i = 0; i < lines.size(); i++) {
        String line = lines.get(i);
        if (line.stripLeading().startsWith("```")) {
          fenced = !fenced;
          continue;
        }
        if (fenced) {
          continue;
        }
        Matcher m = LINK.matcher(INLINE_CODE.matcher(line).replaceAll(""));
        while (m.find()) {
          links++;
          String target = m.group(1);
          if (SCHEME.matcher(target).find()) {
            continue;
          }
          String reason = resolve(file, target, todo);
          if (reason != null) {
            broken.add(new Broken(root.relativize(file), i + 1, target, reason));
          }
        }
      }
    }
    Set<Path> relative = new LinkedHashSet<>();
    seen.forEach(p -> relative.add(root.relativize(p)));
    return new Result(relative, links, broken);
  }

  /** Null if {@code target} resolves from {@code file}; otherwise why not. */
  private String resolve(Path file, String target, Deque<Path> todo) {
    int hash = target.indexOf('#');
    String pathPart = hash < 0 ? target : target.substring(0, hash);
    String fragment = hash < 0 ? null : target.substring(hash + 1);
    Path dest = pathPart.isEmpty() ? file : file.getParent().resolve(pathPart).normalize();
    if (!dest.startsWith(root)) {
      return "points outside the repository";
    }
    if (!Files.exists(dest)) {
      return "no such file or directory";
    }
    boolean markdown = dest.getFileName().toString().endsWith(".md") && Files.isRegularFile(dest);
    if (markdown) {
      todo.add(dest);
    }
    if (fragment != null) {
      if (!markdown) {
        return "a #fragment on a file that is not Markdown";
      }
      if (!anchorsOf(dest).contains(fragment)) {
        return "no heading with anchor #" + fragment + " in " + root.relativize(dest);
      }
    }
    return null;
  }

  private Set<String> anchorsOf(Path file) {
    return anchors.computeIfAbsent(file, f -> {
      Set<String> found = new HashSet<>();
      Map<String, Integer> repeats = new HashMap<>();
      boolean fenced = false;
      for (String line : read(f)) {
        if (line.stripLeading().startsWith("```")) {
          fenced = !fenced;
          continue;
        }
        Matcher m = HEADING.matcher(line);
        if (!fenced && m.matches()) {
          String slug = slug(m.group(1));
          int n = repeats.merge(slug, 1, Integer::sum);
          found.add(n == 1 ? slug : slug + "-" + (n - 1));
        }
      }
      return found;
    });
  }

  /** GitHub's anchor for a heading's text. */
  static String slug(String heading) {
    String text = heading.replaceAll("\\[([^\\]]*)\\]\\([^)]*\\)", "$1"); // a link shows its text
    StringBuilder out = new StringBuilder();
    text.toLowerCase(Locale.ROOT).codePoints().forEach(c -> {
      if (Character.isLetterOrDigit(c) || c == '-' || c == '_') {
        out.appendCodePoint(c);
      } else if (c == ' ') {
        out.append('-');
      }
    });
    return out.toString();
  }

  private static List<String> read(Path file) {
    try {
      return Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
