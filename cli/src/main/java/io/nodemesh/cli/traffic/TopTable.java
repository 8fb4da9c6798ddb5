package io.nodemesh.cli.traffic;

import io.nodemesh.controller.traffic.TrafficView;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The rows of {@code nodemesh top}: per Service (or per Service and backend), the request rate, the
 * share of answers that were not 5xx, and the 99th percentile latency, all over the window between
 * two scrapes of {@code nodemesh_requests_total} and {@code nodemesh_request_duration_seconds}.
 * Success is counted as the docs' queries count it (docs/metrics.md): everything but {@code
 * code_class="5xx"}.
 */
public final class TopTable {
  static final String REQUESTS = "nodemesh_requests_total";
  static final String BUCKETS = "nodemesh_request_duration_seconds_bucket";
  private static final Set<String> NAMES = Set.of(REQUESTS, BUCKETS);

  /** One row. {@code successRate} and {@code p99Seconds} are NaN when no request came. */
  public record Row(String key, double rps, double successRate, double p99Seconds, long requests) {}

  private TopTable() {}

  /**
   * Rows for the window from {@code before} to {@code after} (two scrapes {@code seconds} apart),
   * busiest first.
   *
   * @param byBackend one row per Service and backend instead of per Service
   */
  public static List<Row> rows(String before, String after, double seconds, boolean byBackend) {
    Map<String, Totals> a = totals(before, byBackend);
    Map<String, Totals> b = totals(after, byBackend);
    List<Row> rows = new ArrayList<>();
    for (Map.Entry<String, Totals> e : b.entrySet()) {
      Totals then = a.getOrDefault(e.getKey(), new Totals());
      Totals now = e.getValue();
      double requests = Math.max(0, now.requests - then.requests);
      double failed = Math.max(0, now.failed - then.failed);
      TreeMap<Double, Double> buckets = new TreeMap<>();
      now.buckets.forEach((le, n) -> buckets.put(le, n - then.buckets.getOrDefault(le, 0.0)));
      rows.add(
          new Row(
              e.getKey(),
              requests / seconds,
              requests == 0 ? Double.NaN : (requests - failed) / requests,
              quantile(0.99, buckets),
              Math.round(requests)));
    }
    rows.sort(Comparator.comparingDouble(Row::rps).reversed().thenComparing(Row::key));
    return rows;
  }

  /**
   * Rows of the whole mesh from the controller's view of the last minute: one per Service that
   * received requests, or with {@code byBackend} one per Service and backend its split sent
   * requests to.
   */
  public static List<Row> rows(TrafficView view, boolean byBackend) {
    List<Row> rows = new ArrayList<>();
    if (byBackend) {
      for (TrafficView.Edge e : view.edges()) {
        if (e.kind().equals("split")) {
          rows.add(row(e.from() + " -> " + e.to(), e.stats()));
        }
      }
    } else {
      for (TrafficView.ServiceStats s : view.services()) {
        if (s.kind().equals("service") && s.stats().requests() > 0) {
          rows.add(row(s.id(), s.stats()));
        }
      }
    }
    rows.sort(Comparator.comparingDouble(Row::rps).reversed().thenComparing(Row::key));
    return rows;
  }

  private static Row row(String key, TrafficView.Stats s) {
    return new Row(
        key,
        s.rps(),
        s.successRate() == null ? Double.NaN : s.successRate(),
        s.p99Ms() == null ? Double.NaN : s.p99Ms() / 1000,
        s.requests());
  }

  /**
   * The quantile of a cumulative histogram by linear interpolation within the bucket, the way
   * Prometheus's {@code histogram_quantile} estimates it; NaN when empty. When it falls in the
   * {@code +Inf} bucket the highest finite bound is the answer (nothing better is known).
   */
  static double quantile(double q, TreeMap<Double, Double> cumulative) {
    if (cumulative.isEmpty()) {
      return Double.NaN;
    }
    double total = cumulative.lastEntry().getValue();
    if (total <= 0) {
      return Double.NaN;
    }
    double rank = q * total;
    double lowerBound = 0;
    double lowerCount = 0;
    for (Map.Entry<Double, Double> e : cumulative.entrySet()) {
      if (e.getValue() >= rank) {
        if (e.getKey().isInfinite()) {
          return lowerBound;
        }
        double inBucket = e.getValue() - lowerCount;
        return inBucket <= 0
            ? e.getKey()
            : lowerBound + (e.getKey() - lowerBound) * (rank - lowerCount) / inBucket;
      }
      lowerBound = e.getKey();
      lowerCount = e.getValue();
    }
    return lowerBound;
  }

  /** Prints the rows as an aligned table. */
  public static void print(List<Row> rows, boolean byBackend, PrintWriter out) {
    int width = byBackend ? "SERVICE -> BACKEND".length() : "SERVICE".length();
    for (Row r : rows) {
      width = Math.max(width, r.key().length());
    }
    String format = "%-" + width + "s  %9s  %8s  %9s  %9s%n";
    out.printf(
        format, byBackend ? "SERVICE -> BACKEND" : "SERVICE", "RPS", "SUCCESS", "P99", "REQUESTS");
    for (Row r : rows) {
      out.printf(
          format,
          r.key(),
          String.format("%.1f", r.rps()),
          Double.isNaN(r.successRate()) ? "-" : String.format("%.2f%%", 100 * r.successRate()),
          Double.isNaN(r.p99Seconds()) ? "-" : millis(r.p99Seconds()),
          r.requests());
    }
    if (rows.isEmpty()) {
      out.println("(no HTTP requests seen yet)");
    }
    out.flush();
  }

  private static String millis(double seconds) {
    double ms = seconds * 1000;
    return ms < 10 ? String.format("%.2fms", ms) : String.format("%.0fms", ms);
  }

  private static Map<String, Totals> totals(String text, boolean byBackend) {
    Map<String, Totals> out = new TreeMap<>();
    for (PromText.Sample s : PromText.parse(text, NAMES)) {
      Map<String, String> l = s.labels();
      String key = l.get("namespace") + "/" + l.get("service") + ":" + l.get("port");
      if (byBackend) {
        key += " -> " + l.getOrDefault("backend", "-");
      }
      Totals t = out.computeIfAbsent(key, k -> new Totals());
      if (s.name().equals(REQUESTS)) {
        t.requests += s.value();
        if ("5xx".equals(l.get("code_class"))) {
          t.failed += s.value();
        }
      } else {
        String le = l.get("le");
        if (le != null) {
          try {
            t.buckets.merge(
                le.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(le),
                s.value(),
                Double::sum);
          } catch (NumberFormatException e) {
            // Not a bucket bound this table can use.
          }
        }
      }
    }
    return out;
  }

  private static final class Totals {
    double requests;
    double failed;
    final Map<Double, Double> buckets = new TreeMap<>();
  }
}
