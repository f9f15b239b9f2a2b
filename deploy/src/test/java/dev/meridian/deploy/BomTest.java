package dev.meridian.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * {@code bom/pom.xml} names every published module of the reactor, at the reactor's version: a
 * module is published unless its pom sets {@code maven.deploy.skip} to true (the BOM and the
 * parent are poms, not dependencies).
 */
class BomTest {
  /** The repository root, from this module's directory. */
  private static final Path ROOT = Path.of("..");

  private static Document read(Path pom) throws Exception {
    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    return f.newDocumentBuilder().parse(pom.toFile());
  }

  /** The text of {@code project}'s direct child {@code name}, or null. */
  private static String child(Element parent, String name) {
    for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element e && e.getTagName().equals(name)) {
        return e.getTextContent().trim();
      }
    }
    return null;
  }

  private static List<Element> elements(Element parent, String name) {
    NodeList nodes = parent.getElementsByTagName(name);
    List<Element> out = new ArrayList<>();
    for (int i = 0; i < nodes.getLength(); i++) {
      out.add((Element) nodes.item(i));
    }
    return out;
  }

  @Test
  void bom_listsEveryPublishedModule_atTheReactorVersion() throws Exception {
    Element parent = read(ROOT.resolve("pom.xml")).getDocumentElement();
    String version = child(parent, "version");
    Set<String> published = new TreeSet<>();
    for (Element module : elements(parent, "module")) {
      String dir = module.getTextContent().trim();
      if (dir.equals("bom")) {
        continue;
      }
      Element pom = read(ROOT.resolve(dir).resolve("pom.xml")).getDocumentElement();
      boolean skipped = elements(pom, "maven.deploy.skip").stream()
          .anyMatch(e -> e.getTextContent().trim().equals("true"));
      if (!skipped) {
        published.add(child(pom, "artifactId"));
      }
    }
    assertTrue(published.contains("meridian-crdt-core"), published.toString());

    Element bom = read(ROOT.resolve("bom").resolve("pom.xml")).getDocumentElement();
    assertEquals(version, child(bom, "version"), "the BOM's version is the reactor's");
    Set<String> listed = new TreeSet<>();
    for (Element dependency : elements(bom, "dependency")) {
      assertEquals("dev.meridian", child(dependency, "groupId"));
      assertEquals("${project.version}", child(dependency, "version"));
      listed.add(child(dependency, "artifactId"));
    }
    assertEquals(published, listed);
  }
}
