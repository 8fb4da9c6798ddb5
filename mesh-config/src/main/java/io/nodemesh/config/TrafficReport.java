package io.nodemesh.config;

import java.util.List;
import java.util.Objects;

/**
 * What a node proxy tells the controller every few seconds ({@code POST /api/v1/report}, issue 18):
 * the traffic it proxied since its last accepted report, and its own health. Counts are deltas, not
 * totals, so the controller adds them into a time window whose size does not grow with the number
 * of proxies. A report the controller did not accept is folded into the next one, so a lost report
 * delays numbers but loses none.
 *
 * <p>The controller treats every field as untrusted input: it bounds the row count and string
 * lengths and refuses negative counts ({@link #MAX_ROWS}, {@link #MAX_NAME}).
 *
 * @param node the proxy's node name (or its address when it has none)
 * @param configVersion the config version in force on the proxy, -1 before the first
 * @param rssBytes the proxy process's resident set size, -1 when unknown
 * @param cpuSeconds CPU time the proxy process has used since it started, -1 when unknown
 * @param bounds upper bounds, in seconds, of the latency buckets of {@link Latency#counts} (the
 *     last count is the overflow bucket)
 * @param requests finished HTTP requests by listener, backend and caller identity
 * @param latencies request durations by listener and backend (callers share one histogram)
 * @param denials access denials by listener and reason
 */
public record TrafficReport(
    String node,
    long configVersion,
    long rssBytes,
    double cpuSeconds,
    List<Double> bounds,
    List<Requests> requests,
    List<Latency> latencies,
    List<Denials> denials) {
  /** Rows of each kind a report may carry: more than 1,000 Services with 10 callers each. */
  public static final int MAX_ROWS = 20_000;

  /** Longest name, in characters: a DNS subdomain (RFC 1123) plus a namespace and separators. */
  public static final int MAX_NAME = 320;

  /** Latency buckets a report may carry. */
  public static final int MAX_BOUNDS = 64;

  public TrafficReport {
    node = name("node", node);
    bounds = bounds == null ? List.of() : List.copyOf(bounds);
    requests = rows("requests", requests);
    latencies = rows("latencies", latencies);
    denials = rows("denials", denials);
    if (bounds.size() > MAX_BOUNDS) {
      throw new IllegalArgumentException(
          "report of " + node + ": " + bounds.size() + " latency bounds, at most " + MAX_BOUNDS);
    }
    for (Latency l : latencies) {
      if (l.counts().size() != bounds.size() + 1) {
        throw new IllegalArgumentException(
            "report of "
                + node
                + ": latency of "
                + l.listener()
                + " has "
                + l.counts().size()
                + " buckets for "
                + bounds.size()
                + " bounds");
      }
    }
  }

  /**
   * Requests to one backend of one listener from one caller.
   *
   * @param listener {@code namespace/service:port}
   * @param backend the backend Service, or {@code none} when the proxy answered itself
   * @param source the caller's {@code namespace/serviceAccount}, or {@code unknown}
   * @param count requests finished
   * @param failures of which answered 5xx (or not at all)
   */
  public record Requests(
      String listener, String backend, String source, long count, long failures) {
    public Requests {
      listener = name("listener", listener);
      backend = name("backend", backend);
      source = name("source", source);
      if (count < 0 || failures < 0 || failures > count) {
        throw new IllegalArgumentException(
            "requests of " + listener + ": count " + count + ", failures " + failures);
      }
    }
  }

  /**
   * Request durations of one backend of one listener.
   *
   * @param counts requests per bucket (not cumulative), one more than {@link #bounds}
   */
  public record Latency(String listener, String backend, List<Long> counts) {
    public Latency {
      listener = name("listener", listener);
      backend = name("backend", backend);
      counts = List.copyOf(Objects.requireNonNull(counts, "latency counts"));
      for (long c : counts) {
        if (c < 0) {
          throw new IllegalArgumentException("latency of " + listener + ": negative count");
        }
      }
    }
  }

  /** Requests or connections refused by access control on one listener, for one reason. */
  public record Denials(String listener, String reason, long count) {
    public Denials {
      listener = name("listener", listener);
      reason = name("reason", reason);
      if (count < 0) {
        throw new IllegalArgumentException("denials of " + listener + ": count " + count);
      }
    }
  }

  private static String name(String what, String value) {
    Objects.requireNonNull(value, "report " + what);
    if (value.isEmpty() || value.length() > MAX_NAME) {
      throw new IllegalArgumentException(
          "report " + what + " is empty or longer than " + MAX_NAME + " characters");
    }
    return value;
  }

  private static <T> List<T> rows(String what, List<T> rows) {
    if (rows == null) {
      return List.of();
    }
    if (rows.size() > MAX_ROWS) {
      throw new IllegalArgumentException(
          "report has " + rows.size() + " " + what + " rows, at most " + MAX_ROWS);
    }
    return List.copyOf(rows);
  }
}
