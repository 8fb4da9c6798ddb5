package io.nodemesh.proxy.report;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.nodemesh.config.TrafficReport;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The totals a report is computed from, read from the proxy's own meters ({@code
 * nodemesh_requests_total}, {@code nodemesh_request_duration_seconds}, {@code
 * nodemesh_access_denied_total}): the request path counts nothing twice and pays nothing for
 * reports. A report is the difference between two of these.
 */
record TrafficCounts(
    Map<Key, long[]> requests,
    Map<Key, long[]> latencies,
    Map<Key, long[]> denials,
    List<Double> bounds) {

  /** A row's identity: listener {@code ns/service:port}, then backend and source, or reason. */
  record Key(String listener, String a, String b) {}

  static TrafficCounts read(MeterRegistry registry) {
    Map<Key, long[]> requests = new HashMap<>();
    Map<Key, long[]> latencies = new HashMap<>();
    Map<Key, long[]> denials = new HashMap<>();
    List<Double> bounds = List.of();
    for (Meter m : registry.getMeters()) {
      String name = m.getId().getName();
      switch (name) {
        case "nodemesh.requests" -> {
          if (m instanceof Counter c) {
            long n = Math.round(c.count());
            if (n > 0) {
              long[] t =
                  requests.computeIfAbsent(
                      new Key(listener(m), tag(m, "backend"), tag(m, "source")), k -> new long[2]);
              t[0] += n;
              if ("5xx".equals(m.getId().getTag("code_class"))) {
                t[1] += n;
              }
            }
          }
        }
        case "nodemesh.request.duration" -> {
          if (m instanceof Timer timer && timer.count() > 0) {
            CountAtBucket[] cumulative = timer.takeSnapshot().histogramCounts();
            long[] counts = new long[cumulative.length + 1];
            double below = 0;
            List<Double> b = new ArrayList<>(cumulative.length);
            for (int i = 0; i < cumulative.length; i++) {
              counts[i] = Math.round(cumulative[i].count() - below);
              below = cumulative[i].count();
              b.add(cumulative[i].bucket(TimeUnit.SECONDS));
            }
            counts[cumulative.length] = Math.max(0, timer.count() - Math.round(below));
            bounds = b.size() > bounds.size() ? List.copyOf(b) : bounds;
            latencies.put(new Key(listener(m), tag(m, "backend"), ""), counts);
          }
        }
        case "nodemesh.access.denied" -> {
          if (m instanceof Counter c && c.count() > 0) {
            denials.merge(
                new Key(listener(m), tag(m, "reason"), ""),
                new long[] {Math.round(c.count())},
                (x, y) -> new long[] {x[0] + y[0]});
          }
        }
        default -> {
          // not part of the report
        }
      }
    }
    return new TrafficCounts(requests, latencies, denials, bounds);
  }

  /** The rows that changed from {@code before} (null: everything counted so far) to this. */
  TrafficReport since(TrafficCounts before, String node, long version, long rss, double cpu) {
    List<TrafficReport.Requests> r = new ArrayList<>();
    requests.forEach(
        (k, now) -> {
          long[] then = before == null ? null : before.requests.get(k);
          long count = now[0] - (then == null ? 0 : then[0]);
          long failed = now[1] - (then == null ? 0 : then[1]);
          if (count > 0 && failed >= 0 && failed <= count) {
            r.add(new TrafficReport.Requests(k.listener(), k.a(), k.b(), count, failed));
          }
        });
    List<TrafficReport.Latency> l = new ArrayList<>();
    latencies.forEach(
        (k, now) -> {
          if (now.length != bounds.size() + 1) {
            return;
          }
          long[] then = before == null ? null : before.latencies.get(k);
          List<Long> counts = new ArrayList<>(now.length);
          long total = 0;
          for (int i = 0; i < now.length; i++) {
            long d = now[i] - (then == null || then.length != now.length ? 0 : then[i]);
            counts.add(Math.max(0, d));
            total += Math.max(0, d);
          }
          if (total > 0) {
            l.add(new TrafficReport.Latency(k.listener(), k.a(), counts));
          }
        });
    List<TrafficReport.Denials> d = new ArrayList<>();
    denials.forEach(
        (k, now) -> {
          long[] then = before == null ? null : before.denials.get(k);
          long count = now[0] - (then == null ? 0 : then[0]);
          if (count > 0) {
            d.add(new TrafficReport.Denials(k.listener(), k.a(), count));
          }
        });
    return new TrafficReport(node, version, rss, cpu, bounds, r, l, d);
  }

  private static String listener(Meter m) {
    return tag(m, "namespace") + "/" + tag(m, "service") + ":" + tag(m, "port");
  }

  private static String tag(Meter m, String key) {
    String v = m.getId().getTag(key);
    return v == null || v.isEmpty() ? "-" : v;
  }
}
