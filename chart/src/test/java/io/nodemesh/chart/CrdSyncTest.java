package io.nodemesh.chart;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The chart ships the SMI CRDs in {@code chart/crds/}; they are written in {@code smi-crds/}.
 * Copies drift silently, so the build fails until {@code bin/sync-crds} has been run.
 */
class CrdSyncTest {
  private static final String HOW_TO_FIX =
      "run bin/sync-crds to copy smi-crds' CRDs into chart/crds/";

  @Test
  void chartCrdsAreByteIdenticalToTheSmiCrdsModule() throws IOException {
    Path source =
        Path.of(
            System.getProperty("nodemesh.crd.source.dir", "../smi-crds/src/main/resources/crds"));
    Path chart = Rendered.chartDir().resolve("crds");
    List<String> sourceFiles = yamlFiles(source);
    assertThat(sourceFiles).as("CRD files in " + source).isNotEmpty();
    assertThat(yamlFiles(chart)).as(HOW_TO_FIX).isEqualTo(sourceFiles);
    for (String name : sourceFiles) {
      assertThat(Files.readAllBytes(chart.resolve(name)))
          .as(name + " differs; " + HOW_TO_FIX)
          .isEqualTo(Files.readAllBytes(source.resolve(name)));
    }
  }

  private static List<String> yamlFiles(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files
          .map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(".yaml") || n.endsWith(".yml"))
          .sorted()
          .toList();
    }
  }
}
