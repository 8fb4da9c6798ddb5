package io.nodemesh.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * Every dependency and plugin version lives in the parent pom (issue 19, docs/architecture.md
 * "Build guardrails"): a child pom names none, so one edit moves a version everywhere.
 */
class PomVersionsTest {
  private static final Path REPO =
      Path.of(System.getProperty("nodemesh.chart.dir", ".")).toAbsolutePath().getParent();

  @Test
  void childPomsNameNoDependencyOrPluginVersion() throws Exception {
    List<String> found = new ArrayList<>();
    List<Path> poms;
    try (Stream<Path> dirs = Files.list(REPO)) {
      poms = dirs.map(d -> d.resolve("pom.xml")).filter(Files::isRegularFile).toList();
    }
    assertThat(poms).as("module poms under " + REPO).hasSizeGreaterThan(5);
    for (Path pom : poms) {
      DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
      factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      NodeList versions =
          factory.newDocumentBuilder().parse(pom.toFile()).getElementsByTagName("version");
      for (int i = 0; i < versions.getLength(); i++) {
        Node owner = versions.item(i).getParentNode();
        String kind = ((Element) owner).getTagName();
        if (kind.equals("dependency") || kind.equals("plugin") || kind.equals("path")) {
          found.add(REPO.relativize(pom) + ": " + text(owner, "artifactId"));
        }
      }
    }
    assertThat(found).as("versions outside the parent pom's management sections").isEmpty();
  }

  private static String text(Node owner, String child) {
    NodeList l = ((Element) owner).getElementsByTagName(child);
    return l.getLength() == 0 ? "?" : l.item(0).getTextContent();
  }
}
