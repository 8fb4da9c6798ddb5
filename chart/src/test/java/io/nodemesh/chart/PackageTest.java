package io.nodemesh.chart;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code helm package} ships: the CRDs (which {@code helm template} never renders) and none of
 * the Maven module's files that share the chart's directory.
 */
class PackageTest {
  @TempDir Path out;

  @Test
  void packageShipsTheCrdsAndLeavesTheBuildFilesOut() throws IOException {
    Path tgz = PackageChart.packageChart(Rendered.chartDir(), out);
    try (Stream<Path> files = Files.list(out)) {
      assertThat(files).containsExactly(tgz);
    }
    assertThat(tgz.getFileName().toString()).isEqualTo("nodemesh-0.1.0.tgz");
    Map<String, byte[]> entries = readTarGz(tgz);

    assertThat(entries.keySet())
        .contains("nodemesh/Chart.yaml", "nodemesh/values.yaml", "nodemesh/templates/NOTES.txt")
        .noneMatch(n -> n.endsWith("pom.xml"))
        .noneMatch(n -> n.startsWith("nodemesh/src/"))
        .noneMatch(n -> n.startsWith("nodemesh/target/"));

    Map<String, byte[]> crds = new LinkedHashMap<>();
    entries.forEach(
        (name, bytes) -> {
          if (name.startsWith("nodemesh/crds/")) {
            crds.put(name, bytes);
          }
        });
    try (Stream<Path> files = Files.list(Rendered.chartDir().resolve("crds"))) {
      assertThat(crds).hasSize((int) files.count());
    }
    for (Map.Entry<String, byte[]> crd : crds.entrySet()) {
      JsonNode doc =
          Rendered.parse(new String(crd.getValue(), StandardCharsets.UTF_8)).objects().getFirst();
      assertThat(doc.path("apiVersion").asText())
          .as(crd.getKey())
          .isEqualTo("apiextensions.k8s.io/v1");
      assertThat(doc.path("kind").asText()).as(crd.getKey()).isEqualTo("CustomResourceDefinition");
      assertThat(doc.path("spec").path("group").asText())
          .as(crd.getKey())
          .isIn("split.smi-spec.io", "specs.smi-spec.io", "access.smi-spec.io");
    }
  }

  /** A minimal ustar reader: Helm writes plain files with names that fit name + prefix. */
  private static Map<String, byte[]> readTarGz(Path tgz) throws IOException {
    Map<String, byte[]> entries = new LinkedHashMap<>();
    try (InputStream in = new GZIPInputStream(Files.newInputStream(tgz))) {
      byte[] header = new byte[512];
      while (in.readNBytes(header, 0, 512) == 512 && header[0] != 0) {
        String name = field(header, 0, 100);
        String prefix = field(header, 345, 155);
        long size = Long.parseLong(field(header, 124, 12).trim(), 8);
        byte[] body = in.readNBytes((int) size);
        in.skipNBytes((512 - size % 512) % 512);
        char type = (char) header[156];
        if (type == '0' || type == '\0') {
          entries.put(prefix.isEmpty() ? name : prefix + "/" + name, body);
        }
      }
    }
    return entries;
  }

  private static String field(byte[] header, int offset, int length) {
    int end = offset;
    while (end < offset + length && header[end] != 0) {
      end++;
    }
    return new String(header, offset, end - offset, StandardCharsets.US_ASCII);
  }
}
