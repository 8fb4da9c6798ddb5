package io.nodemesh.chart;

import com.marcnuri.helm.Helm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code helm package} without a helm binary: bin/release runs this main (through Maven, on the
 * test class path, where helm-java lives: the chart module ships no code of its own). helm-java
 * bundles the same native Helm the chart tests render with, so the package is made by the Helm that
 * checked it.
 *
 * <p>Usage: {@code PackageChart CHART_DIR DESTINATION_DIR}; prints the package's path.
 */
public final class PackageChart {
  private PackageChart() {}

  /** Packages the chart in {@code chartDir} into {@code destination}; returns the .tgz. */
  static Path packageChart(Path chartDir, Path destination) throws IOException {
    Files.createDirectories(destination);
    new Helm(chartDir).packageIt().withDestination(destination).call();
    String chart = Files.readString(chartDir.resolve("Chart.yaml"));
    Path tgz = destination.resolve(field(chart, "name") + "-" + field(chart, "version") + ".tgz");
    if (!Files.isRegularFile(tgz)) {
      throw new IOException("helm package made no " + tgz);
    }
    return tgz;
  }

  /** A top-level scalar of Chart.yaml ({@code name: x}, {@code version: "x"}). */
  private static String field(String chartYaml, String key) throws IOException {
    for (String line : chartYaml.split("\\R")) {
      if (line.startsWith(key + ":")) {
        return line.substring(key.length() + 1).strip().replace("\"", "");
      }
    }
    throw new IOException("Chart.yaml has no " + key);
  }

  public static void main(String[] args) throws IOException {
    if (args.length != 2) {
      System.err.println("usage: PackageChart CHART_DIR DESTINATION_DIR");
      System.exit(2);
    }
    System.out.println(packageChart(Path.of(args[0]), Path.of(args[1])));
  }
}
