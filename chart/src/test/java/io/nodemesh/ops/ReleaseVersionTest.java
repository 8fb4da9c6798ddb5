package io.nodemesh.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * One version everywhere a release names it: the root pom, every module's parent, the chart's
 * version and appVersion (the default image tag), and a CHANGELOG section; and the licence the poms
 * and the image label claim is the one in LICENSE.
 */
class ReleaseVersionTest {
  private static final Path REPO =
      Path.of(System.getProperty("nodemesh.chart.dir", ".")).toAbsolutePath().getParent();
  private static final Pattern MODULE = Pattern.compile("<module>([^<]+)</module>");

  @Test
  void everyPomTheChartAndTheChangelogNameTheSameVersion() throws IOException {
    String version = parentVersion(Files.readString(REPO.resolve("pom.xml")));
    String release = version.replaceFirst("-SNAPSHOT$", "");

    List<String> modules = new ArrayList<>();
    Matcher m = MODULE.matcher(Files.readString(REPO.resolve("pom.xml")));
    while (m.find()) {
      modules.add(m.group(1));
    }
    assertThat(modules).contains("cli", "chart", "controller");
    for (String module : modules) {
      String pom = Files.readString(REPO.resolve(module).resolve("pom.xml"));
      assertThat(parentVersion(pom)).as(module + "/pom.xml parent").isEqualTo(version);
    }

    String chart = Files.readString(REPO.resolve("chart/Chart.yaml"));
    assertThat(chart).containsPattern("(?m)^version: " + Pattern.quote(release) + "$");
    assertThat(chart).containsPattern("(?m)^appVersion: \"" + Pattern.quote(release) + "\"$");

    assertThat(Files.readString(REPO.resolve("CHANGELOG.md")))
        .containsPattern("(?m)^## \\[" + Pattern.quote(release) + "\\]")
        .containsPattern("(?m)^## \\[Unreleased\\]");
  }

  @Test
  void theLicenceIsApache2() throws IOException {
    assertThat(Files.readString(REPO.resolve("LICENSE")))
        .contains("Apache License", "Version 2.0, January 2004", "TERMS AND CONDITIONS");
  }

  /** The version right after nodemesh-parent (the project's own, or the parent reference). */
  private static String parentVersion(String pom) {
    int at = pom.indexOf("<artifactId>nodemesh-parent</artifactId>");
    assertThat(at).isNotNegative();
    Matcher v = Pattern.compile("<version>([^<]+)</version>").matcher(pom);
    assertThat(v.find(at)).isTrue();
    return v.group(1);
  }
}
