package io.nodemesh.controller.compile;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.HttpMatch;
import io.nodemesh.config.Protocol;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.config.TenantRegex;
import io.nodemesh.controller.common.HttpMatches;
import io.nodemesh.controller.common.ObjectFailure;
import io.nodemesh.controller.common.Problem;
import io.nodemesh.controller.common.ProblemReason;
import io.nodemesh.controller.topology.Topology;
import io.nodemesh.smi.HTTPRouteGroup;
import io.nodemesh.smi.PortMatch;
import io.nodemesh.smi.SmiKinds;
import io.nodemesh.smi.SmiProblem;
import io.nodemesh.smi.SmiValidator;
import io.nodemesh.smi.TCPRoute;
import io.nodemesh.smi.TrafficSplit;
import io.nodemesh.smi.TrafficSplitBackend;
import io.nodemesh.smi.TrafficSplitMatch;
import io.nodemesh.smi.UDPRoute;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The SMI traffic-split rules: each TrafficSplit (with the HTTPRouteGroup, TCPRoute or UDPRoute it
 * matches on) becomes the {@link SplitPlan} of its root Service, which turns each of the root's
 * listeners into a split {@link io.nodemesh.config.RouteConfig}.
 */
final class SplitPlans {
  private SplitPlans() {}

  /** One accepted TrafficSplit: its root, usable backends and matches. */
  record SplitPlan(
      TrafficSplit split,
      String name,
      List<TrafficSplitBackend> backends,
      List<Integer> indexes,
      List<HttpMatch> matches,
      List<L4Match> l4) {

    /**
     * The route of one listener of the root (SMI traffic-split v1alpha4): without matches every
     * request or connection is split; with matches, only the traffic one selects, the rest goes to
     * the root. A TCPRoute or UDPRoute match selects every connection (or request) on its ports; an
     * HTTPRouteGroup selects requests, so never the connections of a TCP or UDP listener, which
     * then all go to the root (issue 17).
     */
    RouteConfig route(
        PortKey key,
        ServicePort sp,
        BackendConfig root,
        Topology t,
        List<Problem> problems,
        Endpoints endpoints) {
      List<HttpMatch> selected = matches;
      if (!matches.isEmpty() || !l4.isEmpty()) {
        // The pod ports: the root's endpoints say; without any, a numeric targetPort (which the
        // API server defaults to the port).
        Set<Integer> podPorts = new HashSet<>();
        root.endpoints().forEach(e -> podPorts.add(e.port()));
        if (podPorts.isEmpty()) {
          if (sp.getTargetPort() == null) {
            podPorts.add(key.port());
          } else if (sp.getTargetPort().getIntVal() != null) {
            podPorts.add(sp.getTargetPort().getIntVal());
          }
        }
        if (l4.stream().anyMatch(m -> m.selects(key.protocol(), podPorts))) {
          selected = List.of();
        } else if (matches.isEmpty() || !key.protocol().servesHttp()) {
          return new RouteConfig(root, List.of(), List.of(), name);
        }
      }
      return new RouteConfig(root, backendsFor(key.port(), t, problems, endpoints), selected, name);
    }

    /** The Services this plan sends traffic to, as {@code namespace/name}. */
    List<String> backendKeys() {
      String ns = split.getMetadata().getNamespace();
      return backends.stream().map(b -> Topology.key(ns, b.getService())).toList();
    }

    /** Whether {@code o} plans the same: same split object, same backends and matches. */
    boolean sameAs(SplitPlan o) {
      return o != null
          && split == o.split
          && backends.equals(o.backends)
          && indexes.equals(o.indexes)
          && matches.equals(o.matches)
          && l4.equals(o.l4);
    }

    List<BackendConfig> backendsFor(
        int port, Topology t, List<Problem> problems, Endpoints endpoints) {
      String ns = split.getMetadata().getNamespace();
      List<BackendConfig> out = new ArrayList<>();
      List<Integer> outIndexes = new ArrayList<>();
      for (int i = 0; i < backends.size(); i++) {
        TrafficSplitBackend b = backends.get(i);
        Service svc = t.service(ns, b.getService());
        ServicePort sp = null;
        // A Service without a spec only reaches us from local mode's YAML: it has no ports.
        List<ServicePort> ports =
            svc.getSpec() == null || svc.getSpec().getPorts() == null
                ? List.of()
                : svc.getSpec().getPorts();
        for (ServicePort p : ports) {
          if (p != null && p.getPort() != null && p.getPort() == port) {
            sp = p;
            break;
          }
        }
        if (sp == null) {
          problems.add(
              problem(
                  split,
                  "spec.backends[" + indexes.get(i) + "].service",
                  "Service '"
                      + b.getService()
                      + "' has no port "
                      + port
                      + " (a port of the root Service '"
                      + rootName(split)
                      + "'); backend left out for port "
                      + port,
                  ProblemReason.PORT_MISSING));
          continue;
        }
        BackendConfig backend =
            new BackendConfig(
                b.getService(), weight(b), endpoints.of(t, ns, b.getService(), sp, problems));
        out.add(backend);
        outIndexes.add(indexes.get(i));
      }
      // The proxies give the share of a backend that cannot serve to those that can (docs/smi.md,
      // issue 17); said when some can, since with none every request fails anyway.
      if (out.stream().anyMatch(b -> b.weight() > 0 && canServe(b))) {
        for (int i = 0; i < out.size(); i++) {
          BackendConfig b = out.get(i);
          if (b.weight() > 0 && !canServe(b)) {
            problems.add(
                problem(
                    split,
                    "spec.backends[" + outIndexes.get(i) + "].service",
                    "Service '"
                        + b.service()
                        + "' has no ready endpoint for port "
                        + port
                        + "; its weight goes to the other backends until it has one",
                    ProblemReason.BACKEND_UNAVAILABLE));
          }
        }
      }
      return out;
    }
  }

  /** A TCPRoute or UDPRoute match of a split: the pod ports it selects, every port when empty. */
  record L4Match(Protocol kind, List<Integer> ports) {
    /**
     * Whether it selects the traffic of a listener: a TCPRoute the TCP or HTTP listeners (HTTP is
     * carried by TCP), a UDPRoute the UDP ones, on one of the pod ports behind the listener.
     */
    boolean selects(Protocol listener, Set<Integer> podPorts) {
      boolean kindFits = kind == Protocol.UDP ? listener == Protocol.UDP : listener != Protocol.UDP;
      return kindFits && (ports.isEmpty() || ports.stream().anyMatch(podPorts::contains));
    }
  }

  /**
   * The accepted TrafficSplit of each root Service, by the root's {@code namespace/name}.
   *
   * @param meshed whether the Service {@code namespace/name} is meshed
   * @param validate {@link SmiValidator#validate} of an object (memoized by the caller)
   */
  static Map<String, SplitPlan> plan(
      Topology t,
      Predicate<String> meshed,
      Function<HasMetadata, List<SmiProblem>> validate,
      List<Problem> problems) {
    Map<String, SplitPlan> byRoot = new HashMap<>();
    for (TrafficSplit split : t.trafficSplits()) {
      // One split's failure, Errors included, skips that split only (issue 13).
      List<Problem> failed = new ArrayList<>(1);
      ObjectFailure.guard(
          split,
          () -> {
            planSplit(split, t, meshed, validate, problems, byRoot);
            return null;
          },
          () -> null,
          failed);
      problems.addAll(failed);
    }
    return byRoot;
  }

  /** {@code spec.backends[i].service} of each backend that names the split's own root. */
  private static Set<String> rootBackendFields(TrafficSplit split) {
    if (split.getSpec() == null || split.getSpec().getBackends() == null) {
      return Set.of();
    }
    // The root as the validator resolves it: "echo", "echo.shop" and "echo.shop.svc..." are one.
    String root =
        SmiValidator.serviceName(split.getSpec().getService(), split.getMetadata().getNamespace());
    List<TrafficSplitBackend> backends = split.getSpec().getBackends();
    Set<String> fields = new HashSet<>();
    for (int i = 0; i < backends.size(); i++) {
      TrafficSplitBackend b = backends.get(i);
      if (root != null && b != null && root.equals(b.getService())) {
        fields.add("spec.backends[" + i + "].service");
      }
    }
    return fields;
  }

  private static void planSplit(
      TrafficSplit split,
      Topology t,
      Predicate<String> meshed,
      Function<HasMetadata, List<SmiProblem>> validate,
      List<Problem> problems,
      Map<String, SplitPlan> byRoot) {
    String ns = split.getMetadata().getNamespace();
    String name = Topology.key(split);
    // A backend naming the root is reported here and only that backend is left out, so the
    // validator's own report of it must not reject the whole split. It is recognised by its field
    // (the backend's service, which names the root), never by the validator's wording: for such a
    // backend that is the only problem SmiValidator reports on that field.
    Set<String> rootBackendFields = rootBackendFields(split);
    List<SmiProblem> invalid =
        validate.apply(split).stream().filter(p -> !rootBackendFields.contains(p.field())).toList();
    if (!invalid.isEmpty()) {
      invalid.forEach(p -> problems.add(Problem.of(p)));
      return;
    }
    String root = rootName(split);
    Service rootSvc = t.service(ns, root);
    if (rootSvc == null) {
      problems.add(
          problem(
              split,
              "spec.service",
              "root Service '" + root + "' not found in namespace '" + ns + "'; split skipped",
              ProblemReason.SERVICE_NOT_FOUND));
      return;
    }
    if (!meshed.test(Topology.key(ns, root))) {
      problems.add(
          problem(
              split,
              "spec.service",
              "root Service '" + root + "' is not meshed (ignored or ExternalName); split skipped",
              ProblemReason.SERVICE_NOT_FOUND));
      return;
    }
    List<HttpMatch> matches = new ArrayList<>();
    List<L4Match> l4 = new ArrayList<>();
    boolean matchesOk = true;
    List<TrafficSplitMatch> refs = split.getSpec().getMatches();
    for (int i = 0; refs != null && i < refs.size(); i++) {
      String group = refs.get(i).getName();
      String field = "spec.matches[" + i + "].name";
      String kind = refs.get(i).getKind();
      if (SmiKinds.TCP_ROUTE.equals(kind) || SmiKinds.UDP_ROUTE.equals(kind)) {
        L4Match m = l4Match(split, kind, group, field, t, validate, problems);
        matchesOk &= m != null;
        if (m != null) {
          l4.add(m);
        }
        continue;
      }
      HTTPRouteGroup g = t.httpRouteGroups().get(Topology.key(ns, group));
      if (g == null) {
        problems.add(
            problem(
                split,
                field,
                "HTTPRouteGroup '" + group + "' not found in namespace '" + ns + "'; split skipped",
                ProblemReason.ROUTE_GROUP_NOT_FOUND));
        matchesOk = false;
      } else if (!validate.apply(g).isEmpty()) {
        problems.add(
            problem(
                split,
                field,
                "HTTPRouteGroup '" + group + "' is invalid (see its own problems); split skipped",
                ProblemReason.ROUTE_GROUP_NOT_FOUND));
        matchesOk = false;
      } else {
        matches.addAll(HttpMatches.of(g));
      }
    }
    if (!matchesOk) {
      return;
    }
    // Every request to the root that matches none of them evaluates them all (issue 13).
    long steps = matches.stream().mapToLong(TenantRegex::steps).sum();
    if (steps > TenantRegex.MAX_ROUTE_STEPS) {
      problems.add(
          problem(
              split,
              "spec.matches",
              "the regexes of its HTTPRouteGroups add up to "
                  + steps
                  + " steps; at most "
                  + TenantRegex.MAX_ROUTE_STEPS
                  + " are allowed per Service; split skipped",
              ProblemReason.INVALID_SPEC));
      return;
    }
    SplitPlan earlier = byRoot.get(Topology.key(ns, root));
    if (earlier != null) {
      problems.add(
          problem(
              split,
              "spec.service",
              "Service '"
                  + root
                  + "' is already split by TrafficSplit '"
                  + earlier.name
                  + "' (the oldest split wins); this split is ignored",
              ProblemReason.DUPLICATE_SPLIT));
      return;
    }
    List<TrafficSplitBackend> usable = new ArrayList<>();
    List<Integer> indexes = new ArrayList<>();
    List<TrafficSplitBackend> backends = split.getSpec().getBackends();
    for (int i = 0; i < backends.size(); i++) {
      TrafficSplitBackend b = backends.get(i);
      String field = "spec.backends[" + i + "].service";
      if (b.getService().equals(root)) {
        problems.add(
            problem(
                split,
                field,
                "backend '" + b.getService() + "' is the root Service itself; backend left out",
                ProblemReason.INVALID_SPEC));
      } else if (t.service(ns, b.getService()) == null) {
        problems.add(
            problem(
                split,
                field,
                "backend Service '"
                    + b.getService()
                    + "' not found in namespace '"
                    + ns
                    + "'; backend left out",
                ProblemReason.BACKEND_NOT_FOUND));
      } else {
        usable.add(b);
        indexes.add(i);
      }
    }
    if (split.getSpec().allWeightsZero()) {
      problems.add(
          problem(
              split,
              "spec.backends",
              "all backend weights are 0: requests to '" + root + "' are answered with 503",
              ProblemReason.ZERO_WEIGHTS));
    }
    byRoot.put(
        Topology.key(ns, root),
        new SplitPlan(split, name, usable, indexes, List.copyOf(matches), List.copyOf(l4)));
  }

  /**
   * The ports a TrafficSplit's TCPRoute or UDPRoute match selects (SMI traffic-split v1alpha4), or
   * null, with a problem, when the route is missing or invalid.
   */
  private static L4Match l4Match(
      TrafficSplit split,
      String kind,
      String name,
      String field,
      Topology t,
      Function<HasMetadata, List<SmiProblem>> validate,
      List<Problem> problems) {
    String key = Topology.key(split.getMetadata().getNamespace(), name);
    boolean tcp = SmiKinds.TCP_ROUTE.equals(kind);
    HasMetadata route = tcp ? t.tcpRoutes().get(key) : t.udpRoutes().get(key);
    if (route == null || !validate.apply(route).isEmpty()) {
      problems.add(
          problem(
              split,
              field,
              kind
                  + " '"
                  + name
                  + (route == null
                      ? "' not found in namespace '" + split.getMetadata().getNamespace() + "'"
                      : "' is invalid (see its own problems)")
                  + "; split skipped",
              ProblemReason.ROUTE_GROUP_NOT_FOUND));
      return null;
    }
    PortMatch ports =
        tcp
            ? (((TCPRoute) route).getSpec() == null
                ? null
                : ((TCPRoute) route).getSpec().getMatches())
            : (((UDPRoute) route).getSpec() == null
                ? null
                : ((UDPRoute) route).getSpec().getMatches());
    return new L4Match(
        tcp ? Protocol.TCP : Protocol.UDP,
        ports == null || ports.getPorts() == null ? List.of() : List.copyOf(ports.getPorts()));
  }

  /** As the proxy chooses usable endpoints: ready ones, else serving and terminating ones. */
  private static boolean canServe(BackendConfig b) {
    return b.endpoints().stream().anyMatch(e -> e.ready() || (e.serving() && e.terminating()));
  }

  private static int weight(TrafficSplitBackend b) {
    return b.getWeight() == null ? 0 : Math.max(0, b.getWeight());
  }

  private static String rootName(TrafficSplit s) {
    return SmiValidator.serviceName(s.getSpec().getService(), s.getMetadata().getNamespace());
  }

  private static Problem problem(
      HasMetadata o, String field, String message, ProblemReason reason) {
    return new Problem(
        o.getKind(),
        o.getMetadata().getNamespace(),
        o.getMetadata().getName(),
        field,
        message,
        reason);
  }
}
