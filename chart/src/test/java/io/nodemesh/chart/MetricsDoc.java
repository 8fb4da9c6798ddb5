package io.nodemesh.chart;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The metric tables of docs/metrics.md, as the tests of queries the chart ships read them. */
final class MetricsDoc {
  static final Path FILE = Rendered.chartDir().resolve("../docs/metrics.md").normalize();

  private static final Pattern ROW =
      Pattern.compile("(?m)^\\| (`nodemesh_[^|]+)\\|[^|]*\\|([^|]*)\\|");

  private MetricsDoc() {}

  /** Each nodemesh metric of docs/metrics.md with the labels its table row lists. */
  static Map<String, Set<String>> labels() throws IOException {
    Map<String, Set<String>> out = new HashMap<>();
    Matcher row = ROW.matcher(Files.readString(FILE));
    while (row.find()) {
      Set<String> labels = new HashSet<>();
      Matcher l = Pattern.compile("`([a-z_]+)`").matcher(row.group(2));
      while (l.find()) {
        labels.add(l.group(1));
      }
      Matcher names = Pattern.compile("`(nodemesh_[a-z0-9_]+)`").matcher(row.group(1));
      while (names.find()) {
        out.put(names.group(1), labels);
      }
    }
    return out;
  }
}
