package dev.meridian.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every relative link in README.md, and in every Markdown file it reaches through links, names a
 * file that exists and, with a {@code #fragment}, a heading of that file.
 */
class DocumentationLinksTest {
  @TempDir
  Path tmp;

  @Test
  void readme_everyRelativeLinkResolves() throws Exception {
    Path root = repositoryRoot();
    MarkdownLinks.Result result = new MarkdownLinks(root).check(List.of("README.md"));

    assertTrue(result.broken().isEmpty(), () -> "broken links:\n" + result.broken().stream()
        .map(MarkdownLinks.Broken::toString).collect(Collectors.joining("\n")));
    // The documents the front page links: if one stops being reached, this check shrinks unseen.
    for (String doc : List.of("README.md", "DESIGN.md", "docs/operations.md", "docs/embedding.md",
        "testkit/README.md", "benchmarks/results/README.md", "benchmarks/results/core.md",
        "benchmarks/results/peer.md", "benchmarks/results/persistence.md",
        "benchmarks/results/replication.md", "benchmarks/results/SEQUENCES.md")) {
      assertTrue(result.filesChecked().contains(Path.of(doc)),
          () -> doc + " is not reached from README.md; checked: " + result.filesChecked());
    }
  }

  @Test
  void readme_isAFrontPageOfAtMost200Lines() throws Exception {
    List<String> lines = Files.readAllLines(repositoryRoot().resolve("README.md"));
    assertTrue(lines.size() <= 200, "README.md has " + lines.size() + " lines");
  }

  @Test
  void check_reportsAMissingFileAndAMissingAnchor() throws IOException {
    write("a.md", "# Title\n\nSee [b](b.md), [gone](gone.md) and [here](#title).\n");
    write("b.md", "## Part one: the start\n\n[back](a.md#no-such-heading) [ok](a.md#title)\n");

    MarkdownLinks.Result result = new MarkdownLinks(tmp).check(List.of("a.md"));

    assertEquals(List.of("a.md:3: (gone.md) no such file or directory",
            "b.md:3: (a.md#no-such-heading) no heading with anchor #no-such-heading in a.md"),
        result.broken().stream().map(MarkdownLinks.Broken::toString).collect(Collectors.toList()));
    assertEquals(5, result.linksChecked());
  }

  @Test
  void check_ignoresCodeAndLinksWithAScheme() throws IOException {
    write("a.md", "```\n[x](missing.md)\n```\n`[y](missing.md)` [web](https://example.org/x)\n");

    MarkdownLinks.Result result = new MarkdownLinks(tmp).check(List.of("a.md"));

    assertTrue(result.broken().isEmpty(), result.broken()::toString);
  }

  @Test
  void check_refusesALinkOutOfTheRepository() throws IOException {
    Path repo = Files.createDirectory(tmp.resolve("repo"));
    write("outside.md", "# Outside\n");
    Files.writeString(repo.resolve("a.md"), "[out](../outside.md)\n");

    MarkdownLinks.Result result = new MarkdownLinks(repo).check(List.of("a.md"));

    assertEquals(1, result.broken().size(), result.broken()::toString);
  }

  @Test
  void slug_followsGitHubsRule() {
    assertEquals("replication-transport", MarkdownLinks.slug("Replication (transport)"));
    assertEquals("5-when-a-property-fails", MarkdownLinks.slug("5. When a property fails"));
    assertEquals("persistence-a-journal-that-acknowledges-two-mapdb-files-that-take-turns",
        MarkdownLinks.slug("Persistence: a journal that acknowledges, two MapDB files that take turns"));
    assertEquals("the-crdt-core-alone", MarkdownLinks.slug("The CRDT core alone"));
  }

  private void write(String name, String text) throws IOException {
    Files.writeString(tmp.resolve(name), text, StandardCharsets.UTF_8);
  }

  /**
   * The checkout's root: the nearest directory above this class's compiled location (or, failing
   * that, the working directory) holding both README.md and the parent pom. It does not depend on
   * where Maven was started.
   */
  static Path repositoryRoot() throws URISyntaxException, IOException {
    Path classes = Path.of(DocumentationLinksTest.class.getProtectionDomain().getCodeSource()
        .getLocation().toURI());
    for (Path start : List.of(classes, Path.of("").toAbsolutePath())) {
      for (Path dir = start; dir != null; dir = dir.getParent()) {
        Path pom = dir.resolve("pom.xml");
        if (Files.isRegularFile(dir.resolve("README.md")) && Files.isRegularFile(pom)
            && Files.readString(pom).contains("<artifactId>meridian-parent</artifactId>")) {
          return dir;
        }
      }
    }
    throw new IllegalStateException("no Meridian checkout above " + classes);
  }
}
