package io.nodemesh.controller.access;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.nodemesh.config.AccessConfig;
import io.nodemesh.config.AccessGrant;
import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.EndpointConfig;
import io.nodemesh.config.HttpMatch;
import io.nodemesh.config.ListenerAccess;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.Protocol;
import io.nodemesh.config.TenantRegex;
import io.nodemesh.controller.common.HttpMatches;
import io.nodemesh.controller.common.IpLiteral;
import io.nodemesh.controller.common.ObjectFailure;
import io.nodemesh.controller.common.Problem;
import io.nodemesh.controller.common.ProblemReason;
import io.nodemesh.controller.topology.Topology;
import io.nodemesh.smi.HTTPRouteGroup;
import io.nodemesh.smi.IdentityBindingSubject;
import io.nodemesh.smi.PortMatch;
import io.nodemesh.smi.SmiKinds;
import io.nodemesh.smi.SmiValidator;
import io.nodemesh.smi.TCPRoute;
import io.nodemesh.smi.TrafficTarget;
import io.nodemesh.smi.TrafficTargetRule;
import io.nodemesh.smi.UDPRoute;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * Compiles TrafficTargets into an {@link AccessConfig}: who is who (live pod IP to service account)
 * and, per listener, what each TrafficTarget to the listener's pods allows. A pure function of the
 * topology and the listeners.
 *
 * <p>An invalid TrafficTarget (no destination, no source, no rule; see {@link SmiValidator}) allows
 * nothing; its problems are already reported by the compiler's validation. A rule naming a route
 * that does not exist, or a match the group does not have, allows nothing and is reported here.
 */
public final class AccessCompiler {

  /**
   * The prefix of the destination an endpoint without a known pod stands for; with a space and no
   * slash, it never equals a TrafficTarget's {@code namespace/serviceAccount}.
   */
  public static final String UNKNOWN_DESTINATION = "(not a pod) ";

  /** The service account of a pod that names none (Kubernetes' own default). */
  static final String DEFAULT_SERVICE_ACCOUNT = "default";

  private AccessCompiler() {}

  /** One usable rule of one valid TrafficTarget. */
  record Rule(
      String trafficTarget,
      String rule,
      String destination,
      Integer destinationPort,
      List<String> sources,
      Protocol kind,
      List<Integer> ports,
      List<HttpMatch> matches,
      boolean besideHttpRules) {
    /** A rule of a TrafficTarget without HTTPRouteGroup rules. */
    Rule(
        String trafficTarget,
        String rule,
        String destination,
        Integer destinationPort,
        List<String> sources,
        Protocol kind,
        List<Integer> ports,
        List<HttpMatch> matches) {
      this(trafficTarget, rule, destination, destinationPort, sources, kind, ports, matches, false);
    }
  }

  /**
   * The usable rules of every valid TrafficTarget of a topology, in order. Opaque outside this
   * class; equal when they grant the same.
   */
  public record Rules(List<Rule> list) {
    public Rules {
      list = List.copyOf(list);
    }
  }

  public static AccessConfig compile(
      Topology t, List<ListenerConfig> listeners, List<Problem> problems) {
    Map<String, String> identities = identities(t, problems);
    Rules rules = rules(t, problems);
    List<ListenerAccess> out = new ArrayList<>();
    for (ListenerConfig l : listeners) {
      out.add(listenerAccess(l, identities, rules));
      problems.addAll(servicePortHints(l, identities, rules));
    }
    return new AccessConfig(true, identities, out);
  }

  /**
   * Pod IP to {@code namespace/serviceAccount}, for the pods whose IP identifies them; a pod whose
   * IP is no IP address is reported.
   */
  public static Map<String, String> identities(Topology t, List<Problem> problems) {
    Map<String, String> identities = new TreeMap<>();
    t.podsByIp()
        .forEach(
            (ip, pod) -> {
              String sa = identity(ip, pod, problems);
              if (sa != null) {
                identities.put(ip, sa);
              }
            });
    return identities;
  }

  /**
   * The {@code namespace/serviceAccount} an IP identifies, or null, with a problem, when it is no
   * IP address.
   */
  public static String identity(String ip, Pod pod, List<Problem> problems) {
    if (IpLiteral.valid(ip)) {
      return serviceAccount(pod);
    }
    // Only local mode's YAML can hold such a pod; a proxy cannot match a peer to it.
    problems.add(
        problem(
            pod,
            "status.podIP",
            "'" + ip + "' is not an IP address; the pod identifies no caller",
            ProblemReason.INVALID_SPEC));
    return null;
  }

  /** The IPs a listener's access depends on: its ready endpoints', root and split backends. */
  public static Set<String> endpointIps(ListenerConfig l) {
    Set<String> ips = new HashSet<>();
    forReadyEndpoints(l, e -> ips.add(e.ip()));
    return ips;
  }

  private static void forReadyEndpoints(ListenerConfig l, Consumer<EndpointConfig> action) {
    // Gateway API rules (GAMMA) send to their own backends and mirrors; TrafficTargets judge
    // those pods too.
    for (BackendConfig b : l.route().allBackends()) {
      for (EndpointConfig e : b.endpoints()) {
        if (e.ready()) {
          action.accept(e);
        }
      }
    }
  }

  /** What the rules grant on one listener, given who is who. */
  public static ListenerAccess listenerAccess(
      ListenerConfig l, Map<String, String> identities, Rules rules) {
    Set<String> destinations = new TreeSet<>();
    Set<Integer> targetPorts = new HashSet<>();
    forReadyEndpoints(
        l,
        e -> {
          targetPorts.add(e.port());
          String sa = identities.get(e.ip());
          // An endpoint that is no known pod must still allow, and cannot: it becomes a
          // destination no TrafficTarget can name, so nothing is allowed on this listener. The
          // compiler already leaves such endpoints out in ACL mode; this keeps the check from
          // skipping one if that ever changes (issue 13).
          destinations.add(sa != null ? sa : UNKNOWN_DESTINATION + e.ip());
        });
    List<AccessGrant> grants = new ArrayList<>();
    for (Rule r : rules.list()) {
      if (!destinations.contains(r.destination)
          || (r.destinationPort != null && !targetPorts.contains(r.destinationPort))
          || !applies(r, l, targetPorts)) {
        continue;
      }
      grants.add(
          new AccessGrant(
              r.trafficTarget,
              r.rule,
              r.destination,
              r.sources,
              r.kind == Protocol.HTTP ? r.matches : List.of()));
    }
    return new ListenerAccess(l.key(), List.copyOf(destinations), grants);
  }

  /** {@code namespace/serviceAccount} of a pod. */
  public static String serviceAccount(Pod pod) {
    String sa = pod.getSpec() == null ? null : pod.getSpec().getServiceAccountName();
    if ((sa == null || sa.isBlank()) && pod.getSpec() != null) {
      sa = pod.getSpec().getServiceAccount();
    }
    return pod.getMetadata().getNamespace()
        + "/"
        + (sa == null || sa.isBlank() ? DEFAULT_SERVICE_ACCOUNT : sa);
  }

  /**
   * Whether a rule's kind and ports fit a listener. An HTTPRouteGroup only applies to HTTP
   * listeners; a UDPRoute to UDP listeners only; a TCPRoute to TCP listeners, and to HTTP ones only
   * when its TrafficTarget has no HTTPRouteGroup rule: beside one, as in the SMI access spec's own
   * example (a TCPRoute naming the port plus an HTTPRouteGroup allowing {@code GET /metrics}), the
   * TCPRoute picks the port and the group the requests, so the TCPRoute must not allow every
   * request on the port (docs/smi.md, issue 17).
   */
  private static boolean applies(Rule r, ListenerConfig l, Set<Integer> targetPorts) {
    boolean kindFits =
        switch (r.kind) {
          case HTTP -> l.protocol().servesHttp();
          case TCP ->
              l.protocol() == Protocol.TCP || (l.protocol().servesHttp() && !r.besideHttpRules);
          case UDP -> l.protocol() == Protocol.UDP;
          case AUTO -> false; // no rule has this kind
        };
    if (!kindFits) {
      return false;
    }
    if (r.ports.isEmpty()) {
      return true;
    }
    for (Integer p : r.ports) {
      if (targetPorts.contains(p)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Where a rule of a listener's destination names the Service port that clients call and none of
   * the pod ports behind it: SMI ports are pod ports, so the rule grants nothing on that listener.
   * Reported, since the user most likely meant the Service port (issue 17).
   */
  public static List<Problem> servicePortHints(
      ListenerConfig l, Map<String, String> identities, Rules rules) {
    Set<String> destinations = new HashSet<>();
    Set<Integer> targetPorts = new TreeSet<>();
    forReadyEndpoints(
        l,
        e -> {
          targetPorts.add(e.port());
          String sa = identities.get(e.ip());
          if (sa != null) {
            destinations.add(sa);
          }
        });
    if (targetPorts.isEmpty() || targetPorts.contains(l.port())) {
      return List.of();
    }
    List<Problem> out = new ArrayList<>();
    for (Rule r : rules.list()) {
      if (!destinations.contains(r.destination)) {
        continue;
      }
      boolean servicePort =
          (r.destinationPort != null && r.destinationPort == l.port())
              || (r.ports.contains(l.port()) && r.ports.stream().noneMatch(targetPorts::contains));
      if (servicePort) {
        int slash = r.trafficTarget.indexOf('/');
        out.add(
            new Problem(
                SmiKinds.TRAFFIC_TARGET,
                r.trafficTarget.substring(0, slash),
                r.trafficTarget.substring(slash + 1),
                r.destinationPort != null && r.destinationPort == l.port()
                    ? "spec.destination.port"
                    : "spec.rules",
                "port "
                    + l.port()
                    + " (rule "
                    + r.rule
                    + ") is the Service port of "
                    + l.key()
                    + ", whose pods listen on "
                    + targetPorts
                    + "; SMI ports are pod ports, so it grants nothing there",
                ProblemReason.SERVICE_PORT_IN_RULE));
      }
    }
    return out;
  }

  /** The rules of every valid TrafficTarget; rules naming what does not exist are reported. */
  public static Rules rules(Topology t, List<Problem> problems) {
    List<Rule> out = new ArrayList<>();
    for (TrafficTarget tt : t.trafficTargets().values()) {
      // One TrafficTarget's failure, Errors included, leaves its rules out (so it allows
      // nothing) and is reported (issue 13).
      List<Rule> mine = new ArrayList<>();
      List<Problem> failed = new ArrayList<>(1);
      ObjectFailure.guard(
          tt,
          () -> {
            rulesOf(tt, t, problems, mine);
            return null;
          },
          () -> null,
          failed);
      if (failed.isEmpty()) {
        out.addAll(mine);
      }
      problems.addAll(failed);
    }
    return new Rules(withinBudget(out, problems));
  }

  /**
   * The rules whose regexes fit {@link TenantRegex#MAX_ROUTE_STEPS} per destination, in order: a
   * request its destination's rules deny has evaluated them all (issue 13). A rule beyond the
   * budget is left out (it allows nothing) and reported.
   */
  private static List<Rule> withinBudget(List<Rule> rules, List<Problem> problems) {
    Map<String, Long> spent = new HashMap<>();
    List<Rule> kept = new ArrayList<>(rules.size());
    for (Rule r : rules) {
      long steps = r.matches.stream().mapToLong(TenantRegex::steps).sum();
      long total = spent.getOrDefault(r.destination, 0L) + steps;
      if (steps > 0 && total > TenantRegex.MAX_ROUTE_STEPS) {
        int slash = r.trafficTarget.indexOf('/');
        problems.add(
            new Problem(
                SmiKinds.TRAFFIC_TARGET,
                r.trafficTarget.substring(0, slash),
                r.trafficTarget.substring(slash + 1),
                "spec.rules",
                "the regexes of rule "
                    + r.rule
                    + " would bring those of destination "
                    + r.destination
                    + " to "
                    + total
                    + " steps; at most "
                    + TenantRegex.MAX_ROUTE_STEPS
                    + " are allowed; the rule is left out",
                ProblemReason.INVALID_SPEC));
        continue;
      }
      spent.put(r.destination, total);
      kept.add(r);
    }
    return kept;
  }

  /** The rules of one TrafficTarget, added to {@code out}; none when it is invalid. */
  private static void rulesOf(
      TrafficTarget tt, Topology t, List<Problem> problems, List<Rule> out) {
    if (!SmiValidator.validate(tt).isEmpty()) {
      return;
    }
    String ns = tt.getMetadata().getNamespace();
    IdentityBindingSubject d = tt.getSpec().getDestination();
    String destination = SmiValidator.subjectNamespace(d, tt) + "/" + d.getName();
    List<String> sources = new ArrayList<>();
    for (IdentityBindingSubject s : tt.getSpec().getSources()) {
      sources.add(SmiValidator.subjectNamespace(s, tt) + "/" + s.getName());
    }
    List<TrafficTargetRule> ruleList = tt.getSpec().getRules();
    // Declared, not resolved: a missing group must not turn a TCPRoute into "every request".
    boolean httpRules =
        ruleList.stream().anyMatch(r -> SmiKinds.HTTP_ROUTE_GROUP.equals(r.getKind()));
    for (int i = 0; i < ruleList.size(); i++) {
      TrafficTargetRule r = ruleList.get(i);
      String field = "spec.rules[" + i + "]";
      String key = Topology.key(ns, r.getName());
      String label = r.getKind() + " " + key;
      switch (r.getKind()) {
        case SmiKinds.HTTP_ROUTE_GROUP -> {
          HTTPRouteGroup g = t.httpRouteGroups().get(key);
          if (missing(tt, field, g, r, problems)) {
            continue;
          }
          List<HttpMatch> all = HttpMatches.of(g);
          List<HttpMatch> chosen = new ArrayList<>();
          if (r.getMatches() == null || r.getMatches().isEmpty()) {
            chosen.addAll(all);
          } else {
            for (String name : r.getMatches()) {
              String full = g.getMetadata().getName() + "/" + name;
              List<HttpMatch> found = all.stream().filter(m -> m.name().equals(full)).toList();
              if (found.isEmpty()) {
                problems.add(
                    problem(
                        tt,
                        field + ".matches",
                        "HTTPRouteGroup '"
                            + r.getName()
                            + "' has no match named '"
                            + name
                            + "'; that match allows nothing",
                        ProblemReason.MATCH_NOT_FOUND));
              }
              chosen.addAll(found);
            }
          }
          if (!chosen.isEmpty()) {
            out.add(
                new Rule(
                    Topology.key(tt),
                    label,
                    destination,
                    d.getPort(),
                    sources,
                    Protocol.HTTP,
                    List.of(),
                    chosen,
                    false));
          }
        }
        case SmiKinds.TCP_ROUTE -> {
          TCPRoute route = t.tcpRoutes().get(key);
          if (missing(tt, field, route, r, problems)) {
            continue;
          }
          out.add(
              new Rule(
                  Topology.key(tt),
                  label,
                  destination,
                  d.getPort(),
                  sources,
                  Protocol.TCP,
                  ports(route.getSpec() == null ? null : route.getSpec().getMatches()),
                  List.of(),
                  httpRules));
        }
        case SmiKinds.UDP_ROUTE -> {
          UDPRoute route = t.udpRoutes().get(key);
          if (missing(tt, field, route, r, problems)) {
            continue;
          }
          out.add(
              new Rule(
                  Topology.key(tt),
                  label,
                  destination,
                  d.getPort(),
                  sources,
                  Protocol.UDP,
                  ports(route.getSpec() == null ? null : route.getSpec().getMatches()),
                  List.of(),
                  false));
        }
        default -> {
          // The validator rejects other kinds, so a valid TrafficTarget never gets here.
        }
      }
    }
  }

  private static List<Integer> ports(PortMatch m) {
    return m == null || m.getPorts() == null ? List.of() : List.copyOf(m.getPorts());
  }

  private static boolean missing(
      TrafficTarget tt,
      String field,
      HasMetadata route,
      TrafficTargetRule r,
      List<Problem> problems) {
    if (route == null) {
      problems.add(
          problem(
              tt,
              field + ".name",
              r.getKind()
                  + " '"
                  + r.getName()
                  + "' not found in namespace '"
                  + tt.getMetadata().getNamespace()
                  + "'; this rule allows nothing",
              ProblemReason.ROUTE_NOT_FOUND));
      return true;
    }
    if (!SmiValidator.validate(route).isEmpty()) {
      problems.add(
          problem(
              tt,
              field + ".name",
              r.getKind()
                  + " '"
                  + r.getName()
                  + "' is invalid (see its own problems); this rule allows nothing",
              ProblemReason.ROUTE_NOT_FOUND));
      return true;
    }
    return false;
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
