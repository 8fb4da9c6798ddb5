package io.nodemesh.controller.traffic;

import io.nodemesh.config.AccessGrant;
import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.ListenerAccess;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.RouteRule;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What {@code GET /api/v1/traffic} answers and the {@code /ui} page draws: the meshed Services with
 * their traffic of the last minute, who called whom, each TrafficSplit's weights next to the share
 * each backend actually got, who may call what in ACL mode and who was refused, and each proxy.
 *
 * <p>Health, the colour of a node or an edge, is by success rate (answers other than 5xx, as
 * docs/metrics.md counts it): {@code healthy} from 99 %, {@code degraded} from 95 %, {@code
 * unhealthy} below, {@code idle} without requests.
 */
public record TrafficView(
    long version,
    double windowSeconds,
    List<ServiceStats> services,
    List<Edge> edges,
    List<Split> splits,
    Access access,
    List<NodeView> nodes) {

  /** Traffic numbers of a Service or an edge over the window. */
  public record Stats(long requests, double rps, Double successRate, Double p99Ms, String health) {}

  /**
   * A graph node: a meshed Service ({@code kind} {@code service}), a caller known only by its
   * identity ({@code identity}), or callers with none ({@code outside}).
   */
  public record ServiceStats(String id, String kind, List<Integer> ports, Stats stats) {}

  /**
   * A graph edge: {@code call} from a caller to the Service it called, {@code split} from a Service
   * to the backend Service its route sent the request to.
   */
  public record Edge(String from, String to, String kind, Stats stats) {}

  /** A backend of a split: configured weight and share, observed share of the window. */
  public record SplitBackend(
      String service, int weight, double configuredShare, Double observedShare, long requests) {}

  public record Split(String listener, String name, List<SplitBackend> backends) {}

  public record Grant(String trafficTarget, String rule, List<String> sources) {}

  public record ListenerGrants(String listener, List<String> destinations, List<Grant> grants) {}

  public record Denial(String listener, String reason, long count) {}

  public record Access(boolean enabled, List<ListenerGrants> listeners, List<Denial> denials) {}

  public record NodeView(
      String node,
      long configVersion,
      boolean behind,
      double staleSeconds,
      long rssBytes,
      Double cpuCores) {}

  /** The id of callers without a known identity (outside the mesh, or ACL mode off). */
  public static final String OUTSIDE = "(unidentified)";

  static final double HEALTHY = 0.99;
  static final double DEGRADED = 0.95;

  /** Builds the view of {@code totals} against the config being served. */
  public static TrafficView of(TrafficWindow.Totals totals, MeshConfig config) {
    double seconds = totals.seconds();
    List<Double> bounds = totals.bounds();
    Map<String, ListenerConfig> listeners = new HashMap<>();
    Map<String, Set<Integer>> services = new TreeMap<>();
    for (ListenerConfig l : config.listeners()) {
      listeners.put(l.key(), l);
      services.computeIfAbsent(id(l.namespace(), l.service()), k -> new TreeSet<>()).add(l.port());
    }
    // A caller's identity stands for the Service whose pods run as it, when there is one only.
    Map<String, Set<String>> servicesOfIdentity = new HashMap<>();
    for (ListenerAccess a : config.access().listeners()) {
      ListenerConfig l = listeners.get(a.listener());
      if (l != null) {
        for (String sa : a.destinations()) {
          servicesOfIdentity
              .computeIfAbsent(sa, k -> new TreeSet<>())
              .add(id(l.namespace(), l.service()));
        }
      }
    }
    Map<String, Acc> serviceAcc = new TreeMap<>();
    Map<String, Acc> edgeAcc = new TreeMap<>();
    Map<String, String> kinds = new TreeMap<>();
    Map<String, Set<Acc>> callsInto = new HashMap<>();
    services.keySet().forEach(s -> kinds.put(s, "service"));
    totals
        .requests()
        .forEach(
            (k, v) -> {
              Ends ends = Ends.of(k.listener(), k.backend());
              if (ends == null) {
                return;
              }
              String to = ends.to();
              String backend = ends.split();
              String from = caller(k.source(), servicesOfIdentity);
              kinds.putIfAbsent(
                  from,
                  from.equals(OUTSIDE)
                      ? "outside"
                      : from.startsWith("sa:") ? "identity" : "service");
              serviceAcc.computeIfAbsent(to, x -> new Acc()).add(v);
              Acc call = edgeAcc.computeIfAbsent(from + "\n" + to + "\ncall", x -> new Acc());
              call.add(v);
              callsInto.computeIfAbsent(to, x -> new java.util.HashSet<>()).add(call);
              if (backend != null) {
                kinds.putIfAbsent(backend, "service");
                serviceAcc.computeIfAbsent(backend, x -> new Acc()).add(v);
                edgeAcc.computeIfAbsent(to + "\n" + backend + "\nsplit", x -> new Acc()).add(v);
              }
            });
    totals
        .latencies()
        .forEach(
            (k, v) -> {
              Ends ends = Ends.of(k.listener(), k.backend());
              if (ends == null) {
                return;
              }
              String to = ends.to();
              String backend = ends.split();
              serviceAcc.computeIfAbsent(to, x -> new Acc()).latency(v);
              // Callers share one histogram per backend: every call edge into the Service gets it.
              callsInto.getOrDefault(to, Set.of()).forEach(acc -> acc.latency(v));
              if (backend != null) {
                serviceAcc.computeIfAbsent(backend, x -> new Acc()).latency(v);
                Acc split = edgeAcc.get(to + "\n" + backend + "\nsplit");
                if (split != null) {
                  split.latency(v);
                }
              }
            });
    List<ServiceStats> nodes = new ArrayList<>();
    kinds.forEach(
        (id, kind) ->
            nodes.add(
                new ServiceStats(
                    id,
                    kind,
                    List.copyOf(services.getOrDefault(id, Set.of())),
                    stats(serviceAcc.get(id), seconds, bounds))));
    List<Edge> edges = new ArrayList<>();
    edgeAcc.forEach(
        (key, acc) -> {
          String[] p = key.split("\n");
          edges.add(new Edge(p[0], p[1], p[2], stats(acc, seconds, bounds)));
        });
    return new TrafficView(
        config.version(),
        seconds,
        nodes,
        edges,
        splits(config, totals),
        access(config, totals),
        nodes(totals, config.version()));
  }

  private static List<Split> splits(MeshConfig config, TrafficWindow.Totals totals) {
    List<Split> out = new ArrayList<>();
    Map<String, Map<String, Long>> perBackend = new HashMap<>();
    totals
        .requests()
        .forEach(
            (k, v) ->
                perBackend
                    .computeIfAbsent(k.listener(), x -> new HashMap<>())
                    .merge(k.backend(), v[0], Long::sum));
    for (ListenerConfig l : config.listeners()) {
      if (l.route() == null) {
        continue;
      }
      Map<String, Long> byBackend = perBackend.getOrDefault(l.key(), Map.of());
      if (!l.route().split().isEmpty()) {
        String name = l.route().splitName() == null ? "" : l.route().splitName();
        out.add(split(l, name, l.route().split(), byBackend));
      }
      // Gateway API rules (issue 17): each rule that weighs several backends is drawn like a split.
      // The observed share is the listener's per backend, so it is the rule's when one rule carries
      // the traffic (a canary), and a mix when several rules send to the same backends.
      for (RouteRule r : l.route().rules()) {
        if (r.backends().size() > 1) {
          out.add(split(l, r.name(), r.backends(), byBackend));
        }
      }
    }
    return out;
  }

  private static Split split(
      ListenerConfig l, String name, List<BackendConfig> weighted, Map<String, Long> byBackend) {
    long all = 0;
    for (BackendConfig b : weighted) {
      all += byBackend.getOrDefault(b.service(), 0L);
    }
    int weights = weighted.stream().mapToInt(BackendConfig::weight).sum();
    List<SplitBackend> backends = new ArrayList<>();
    for (BackendConfig b : weighted) {
      long n = byBackend.getOrDefault(b.service(), 0L);
      backends.add(
          new SplitBackend(
              id(l.namespace(), b.service()),
              b.weight(),
              weights == 0 ? 0 : (double) b.weight() / weights,
              all == 0 ? null : (double) n / all,
              n));
    }
    return new Split(l.key(), name, backends);
  }

  private static Access access(MeshConfig config, TrafficWindow.Totals totals) {
    List<ListenerGrants> grants = new ArrayList<>();
    for (ListenerAccess a : config.access().listeners()) {
      List<Grant> g = new ArrayList<>();
      for (AccessGrant ag : a.grants()) {
        g.add(new Grant(ag.trafficTarget(), ag.rule(), ag.sources()));
      }
      grants.add(new ListenerGrants(a.listener(), a.destinations(), g));
    }
    List<Denial> denials = new ArrayList<>();
    totals.denials().forEach((k, v) -> denials.add(new Denial(k.listener(), k.backend(), v[0])));
    denials.sort(
        java.util.Comparator.comparingLong(Denial::count)
            .reversed()
            .thenComparing(Denial::listener));
    return new Access(config.access().enabled(), grants, denials);
  }

  private static List<NodeView> nodes(TrafficWindow.Totals totals, long version) {
    List<NodeView> out = new ArrayList<>();
    for (TrafficWindow.NodeState n : totals.nodes()) {
      out.add(
          new NodeView(
              n.node(),
              n.configVersion(),
              n.configVersion() < version,
              n.staleSeconds(),
              n.rssBytes(),
              n.cpuCores() < 0 ? null : n.cpuCores()));
    }
    return out;
  }

  private static String caller(String source, Map<String, Set<String>> servicesOfIdentity) {
    if (source.equals("unknown") || source.equals("-") || source.equals("other")) {
      return OUTSIDE;
    }
    Set<String> s = servicesOfIdentity.get(source);
    return s != null && s.size() == 1 ? s.iterator().next() : "sa:" + source;
  }

  /** {@code ns/name} of a listener key {@code ns/name:port}, or null when it is not one. */
  /**
   * Where one series went: the Service of its listener, and the split backend it was sent to when
   * that is another Service (null for none, "-", or the Service itself).
   */
  private record Ends(String to, String split) {
    static Ends of(String listener, String backendName) {
      String to = serviceOf(listener);
      if (to == null) {
        return null;
      }
      String ns = to.substring(0, to.indexOf('/'));
      String backend =
          backendName.equals("none") || backendName.equals("-") ? null : id(ns, backendName);
      return new Ends(to, backend == null || backend.equals(to) ? null : backend);
    }
  }

  static String serviceOf(String listener) {
    int colon = listener.lastIndexOf(':');
    int slash = listener.indexOf('/');
    return slash <= 0 || colon <= slash ? null : listener.substring(0, colon);
  }

  private static String id(String namespace, String name) {
    return namespace + "/" + name;
  }

  static Stats stats(Acc acc, double seconds, List<Double> bounds) {
    if (acc == null || acc.requests == 0) {
      return new Stats(0, 0, null, null, "idle");
    }
    double success = (double) (acc.requests - acc.failures) / acc.requests;
    String health = success >= HEALTHY ? "healthy" : success >= DEGRADED ? "degraded" : "unhealthy";
    return new Stats(
        acc.requests,
        acc.requests / seconds,
        success,
        acc.buckets == null ? null : finite(1000 * quantile(0.99, bounds, acc.buckets)),
        health);
  }

  /** JSON has no NaN: an unknown number is null. */
  private static Double finite(double d) {
    return Double.isFinite(d) ? d : null;
  }

  /**
   * The {@code q} quantile of a histogram (per-bucket counts, the last one past every bound) by
   * linear interpolation within the bucket, as Prometheus's {@code histogram_quantile} estimates
   * it; the highest bound when it falls in the overflow bucket; NaN when empty.
   */
  static double quantile(double q, List<Double> bounds, long[] counts) {
    long total = 0;
    for (long c : counts) {
      total += c;
    }
    if (total == 0 || bounds.isEmpty()) {
      return Double.NaN;
    }
    double rank = q * total;
    double below = 0;
    double lower = 0;
    for (int i = 0; i < counts.length; i++) {
      if (i == bounds.size()) {
        return lower;
      }
      double upper = bounds.get(i);
      if (below + counts[i] >= rank) {
        return counts[i] == 0 ? upper : lower + (upper - lower) * (rank - below) / counts[i];
      }
      below += counts[i];
      lower = upper;
    }
    return lower;
  }

  /** Sums of one node or edge. */
  static final class Acc {
    long requests;
    long failures;
    long[] buckets;

    void add(long[] v) {
      requests += v[0];
      failures += v[1];
    }

    void latency(long[] v) {
      if (buckets == null) {
        buckets = v.clone();
      } else {
        for (int i = 0; i < Math.min(v.length, buckets.length); i++) {
          buckets[i] += v[i];
        }
      }
    }
  }
}
