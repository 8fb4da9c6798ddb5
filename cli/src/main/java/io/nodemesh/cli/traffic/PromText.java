package io.nodemesh.cli.traffic;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads the samples of chosen metrics from a Prometheus text exposition (format 0.0.4). Only what
 * the proxy writes needs to parse; a line that does not is skipped rather than failing the table.
 */
public final class PromText {
  private PromText() {}

  /** One sample: metric name, labels, value. */
  public record Sample(String name, Map<String, String> labels, double value) {}

  /** The samples of the metrics named in {@code names}, in the order they appear. */
  public static List<Sample> parse(String text, Set<String> names) {
    List<Sample> out = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (line.isEmpty() || line.charAt(0) == '#') {
        continue;
      }
      int brace = line.indexOf('{');
      int space = line.indexOf(' ');
      int nameEnd = brace >= 0 && (space < 0 || brace < space) ? brace : space;
      if (nameEnd <= 0 || !names.contains(line.substring(0, nameEnd))) {
        continue;
      }
      Sample s = sample(line, line.substring(0, nameEnd), nameEnd);
      if (s != null) {
        out.add(s);
      }
    }
    return out;
  }

  private static Sample sample(String line, String name, int i) {
    Map<String, String> labels = new HashMap<>();
    if (line.charAt(i) == '{') {
      i++;
      while (i < line.length() && line.charAt(i) != '}') {
        int eq = line.indexOf("=\"", i);
        if (eq < 0) {
          return null;
        }
        String key = line.substring(i, eq);
        StringBuilder value = new StringBuilder();
        int j = eq + 2;
        for (; j < line.length() && line.charAt(j) != '"'; j++) {
          char c = line.charAt(j);
          if (c == '\\' && j + 1 < line.length()) {
            char n = line.charAt(++j);
            value.append(n == 'n' ? '\n' : n);
          } else {
            value.append(c);
          }
        }
        if (j >= line.length()) {
          return null;
        }
        labels.put(key, value.toString());
        i = j + 1;
        if (i < line.length() && line.charAt(i) == ',') {
          i++;
        }
      }
      i++;
    }
    String rest = line.substring(Math.min(i, line.length())).trim();
    int sp = rest.indexOf(' ');
    try {
      return new Sample(name, labels, Double.parseDouble(sp < 0 ? rest : rest.substring(0, sp)));
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
