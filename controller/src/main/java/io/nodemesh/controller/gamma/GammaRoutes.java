package io.nodemesh.controller.gamma;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCBackendRef;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRouteMatch;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRouteRule;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPBackendRef;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteMatch;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteRetry;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteRule;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteTimeouts;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ParentReference;
import io.nodemesh.config.HttpMatch;
import io.nodemesh.config.TenantRegex;
import io.nodemesh.controller.common.ObjectFailure;
import io.nodemesh.controller.common.Problem;
import io.nodemesh.controller.gamma.GammaRule.WeightedBackend;
import io.nodemesh.controller.gamma.RouteStatus.Condition;
import io.nodemesh.controller.topology.Topology;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Plans the GAMMA routes of a topology: which rules of which HTTPRoutes and GRPCRoutes are in force
 * on which Service port, what is wrong with the others, and each route's {@code status.parents}. A
 * pure function of the topology; one bad route (or rule) is reported and skipped, never more.
 *
 * <p>Only parentRefs of group {@code ""} (or {@code core}) and kind {@code Service} are ours; a
 * route attached only to Gateways is left alone and gets no status from the mesh.
 */
public final class GammaRoutes {
  private static final Pattern DURATION = Pattern.compile("([0-9]{1,5})(h|ms|m|s)");
  private static final int MAX_RETRY_ATTEMPTS = 10;

  private GammaRoutes() {}

  /**
   * The plan.
   *
   * @param byService the rules in force, by Service {@code namespace/name}
   * @param problems what is wrong, one Problem per object and field
   * @param statuses every route with a Service parent, with its conditions
   */
  public record Plan(
      Map<String, ServiceRoutes> byService, List<Problem> problems, List<RouteStatus> statuses) {
    public Plan {
      byService = Map.copyOf(byService);
      problems = List.copyOf(problems);
      statuses = List.copyOf(statuses);
    }

    public static Plan empty() {
      return new Plan(Map.of(), List.of(), List.of());
    }
  }

  /** One route while it is planned. */
  private static final class Work {
    final HasMetadata object;
    final RouteRef ref;
    final List<GammaRule> rules = new ArrayList<>();
    final List<String> dropped = new ArrayList<>();
    String unsupportedReason;
    Condition resolved;
    final List<Parent> parents = new ArrayList<>();

    Work(HasMetadata object) {
      this.object = object;
      this.ref =
          new RouteRef(
              object.getKind(),
              object.getMetadata().getNamespace(),
              object.getMetadata().getName(),
              Objects.requireNonNullElse(object.getMetadata().getCreationTimestamp(), ""));
    }
  }

  /** A Service parent of a route: null {@code ports} means every port of the Service. */
  private record Parent(
      ParentReference ref, String serviceKey, Set<Integer> ports, Condition refused) {}

  /** A rule attached to a Service port set. */
  private record Attached(Work work, GammaRule rule, Set<Integer> ports) {}

  /**
   * Plans every route of {@code t}.
   *
   * @param meshed whether a Service {@code namespace/name} is meshed
   */
  public static Plan plan(Topology t, Predicate<String> meshed) {
    List<Problem> problems = new ArrayList<>();
    List<Work> works = new ArrayList<>();
    for (HTTPRoute r : t.httpRoutes().values()) {
      guarded(r, () -> http(r, t, meshed, problems), works, problems);
    }
    for (GRPCRoute r : t.grpcRoutes().values()) {
      guarded(r, () -> grpc(r, t, meshed, problems), works, problems);
    }
    Map<String, List<Attached>> attached = new TreeMap<>();
    for (Work w : works) {
      for (Parent p : w.parents) {
        if (p.refused == null) {
          for (GammaRule rule : w.rules) {
            attached
                .computeIfAbsent(p.serviceKey, k -> new ArrayList<>())
                .add(new Attached(w, rule, p.ports));
          }
        }
      }
    }
    Map<String, ServiceRoutes> byService = new HashMap<>();
    // (route, rule index) pairs in force on at least one port of some parent.
    Map<Work, Set<Integer>> inForce = new HashMap<>();
    for (Map.Entry<String, List<Attached>> e : attached.entrySet()) {
      Service svc = t.services().get(e.getKey());
      Map<Integer, List<GammaRule>> byPort = new TreeMap<>();
      for (ServicePort sp : svc.getSpec().getPorts()) {
        if (sp == null || sp.getPort() == null) {
          continue;
        }
        int port = sp.getPort();
        List<Attached> here = new ArrayList<>();
        for (Attached a : e.getValue()) {
          if (a.ports == null || a.ports.contains(port)) {
            here.add(a);
          }
        }
        List<GammaRule> kept = inPrecedence(here, port, problems);
        if (!kept.isEmpty()) {
          byPort.put(port, kept);
          for (Attached a : here) {
            if (kept.contains(a.rule)) {
              inForce.computeIfAbsent(a.work, k -> new TreeSet<>()).add(a.rule.index());
            }
          }
        }
      }
      if (!byPort.isEmpty()) {
        String[] nsName = e.getKey().split("/", 2);
        byService.put(e.getKey(), new ServiceRoutes(nsName[0], nsName[1], byPort));
      }
    }
    List<RouteStatus> statuses = new ArrayList<>();
    for (Work w : works) {
      statuses.add(status(w, inForce.getOrDefault(w, Set.of())));
    }
    return new Plan(byService, problems, statuses);
  }

  private static void guarded(
      HasMetadata r, java.util.function.Supplier<Work> step, List<Work> works, List<Problem> out) {
    List<Problem> failed = new ArrayList<>(1);
    Work w = ObjectFailure.guard(r, step::get, () -> null, failed);
    out.addAll(failed);
    if (w != null && !w.parents.isEmpty()) {
      works.add(w);
    }
  }

  /**
   * The rules of one port in precedence order, keeping those that treat traffic as the first does;
   * the others are reported (one listener route holds one weighted split today).
   */
  private static List<GammaRule> inPrecedence(
      List<Attached> here, int port, List<Problem> problems) {
    List<Attached> sorted = new ArrayList<>(here);
    sorted.sort(
        Comparator.comparing((Attached a) -> a.rule.order(), Comparator.reverseOrder())
            .thenComparing(a -> a.rule.route())
            .thenComparingInt(a -> a.rule.index()));
    List<GammaRule> kept = new ArrayList<>();
    long steps = 0;
    for (Attached a : sorted) {
      GammaRule r = a.rule;
      String field = "spec.rules[" + r.index() + "]";
      if (!kept.isEmpty() && !r.sameTreatment(kept.get(0))) {
        GammaRule first = kept.get(0);
        String why =
            "sends traffic to other backends, weights, timeouts or retries than "
                + first.route()
                + " rules["
                + first.index()
                + "], which takes precedence on port "
                + port
                + "; one Service port holds one weighted split today (docs/gateway-api.md), so this"
                + " rule is not applied there";
        problems.add(problem(a.work, field, why, Reasons.UNSUPPORTED_VALUE));
        a.work.dropped.add(field + " " + why);
        continue;
      }
      long s = r.matches().stream().mapToLong(TenantRegex::steps).sum();
      if (steps + s > TenantRegex.MAX_ROUTE_STEPS) {
        String why =
            "its regexes would take the routes of port "
                + port
                + " over "
                + TenantRegex.MAX_ROUTE_STEPS
                + " steps per request; rule not applied";
        problems.add(problem(a.work, field + ".matches", why, Problem.INVALID_SPEC));
        a.work.dropped.add(field + " " + why);
        continue;
      }
      steps += s;
      kept.add(r);
    }
    return List.copyOf(kept);
  }

  private static RouteStatus status(Work w, Set<Integer> inForce) {
    long generation = Objects.requireNonNullElse(w.object.getMetadata().getGeneration(), 0L);
    List<RouteStatus.Parent> parents = new ArrayList<>();
    Condition resolved =
        w.resolved != null
            ? w.resolved
            : new Condition(
                Reasons.RESOLVED_REFS, true, Reasons.RESOLVED_REFS, "all refs resolved");
    for (Parent p : w.parents) {
      List<Condition> conditions = new ArrayList<>();
      if (p.refused != null) {
        conditions.add(p.refused);
      } else if (inForce.isEmpty()) {
        String reason =
            w.unsupportedReason != null ? w.unsupportedReason : Reasons.UNSUPPORTED_VALUE;
        conditions.add(
            new Condition(
                Reasons.ACCEPTED,
                false,
                reason,
                "no rule can be applied: "
                    + (w.dropped.isEmpty() ? "the route has no rules" : w.dropped.get(0))));
      } else {
        conditions.add(
            new Condition(Reasons.ACCEPTED, true, Reasons.ACCEPTED, "routed by the mesh"));
      }
      conditions.add(resolved);
      if (p.refused == null && !inForce.isEmpty() && !w.dropped.isEmpty()) {
        conditions.add(
            new Condition(
                Reasons.PARTIALLY_INVALID,
                true,
                Reasons.UNSUPPORTED_VALUE,
                w.dropped.size() + " rule(s) dropped; first: " + w.dropped.get(0)));
      }
      parents.add(new RouteStatus.Parent(p.ref, conditions));
    }
    return new RouteStatus(w.ref, generation, parents);
  }

  // ---- HTTPRoute

  private static Work http(HTTPRoute r, Topology t, Predicate<String> meshed, List<Problem> out) {
    Work w = new Work(r);
    if (r.getSpec() == null) {
      return w;
    }
    parents(w, r.getSpec().getParentRefs(), t, meshed, out);
    if (w.parents.isEmpty()) {
      return w;
    }
    List<HTTPRouteRule> rules = r.getSpec().getRules() == null ? List.of() : r.getSpec().getRules();
    for (int i = 0; i < rules.size(); i++) {
      HTTPRouteRule rule = rules.get(i);
      String field = "spec.rules[" + i + "]";
      try {
        if (rule.getFilters() != null && !rule.getFilters().isEmpty()) {
          throw new GammaMatches.Unsupported(
              field + ".filters",
              "filters (" + rule.getFilters().get(0).getType() + ") are not supported yet");
        }
        List<HttpMatch> matches = new ArrayList<>();
        MatchOrder order = MatchOrder.ANY;
        boolean all = rule.getMatches() == null || rule.getMatches().isEmpty();
        List<HTTPRouteMatch> ms = all ? List.of() : rule.getMatches();
        for (int j = 0; j < ms.size(); j++) {
          HTTPRouteMatch m = ms.get(j);
          HttpMatch hm =
              GammaMatches.http(
                  matchName(w, i, j), field + ".matches[" + j + "]", m == null ? empty() : m);
          all |= everything(hm);
          matches.add(hm);
          MatchOrder o = GammaMatches.order(m == null ? empty() : m);
          order = o.compareTo(order) > 0 ? o : order;
        }
        List<WeightedBackend> backends = new ArrayList<>();
        List<HTTPBackendRef> refs =
            rule.getBackendRefs() == null ? List.of() : rule.getBackendRefs();
        for (int j = 0; j < refs.size(); j++) {
          HTTPBackendRef b = refs.get(j);
          String bf = field + ".backendRefs[" + j + "]";
          if (b.getFilters() != null && !b.getFilters().isEmpty()) {
            throw new GammaMatches.Unsupported(
                bf + ".filters", "backendRef filters are not supported yet");
          }
          WeightedBackend wb =
              backend(
                  w,
                  bf,
                  b.getGroup(),
                  b.getKind(),
                  b.getNamespace(),
                  b.getName(),
                  b.getPort(),
                  b.getWeight(),
                  t,
                  out);
          if (wb != null) {
            backends.add(wb);
          }
        }
        add(
            w,
            i,
            field,
            all ? List.of() : matches,
            all ? MatchOrder.ANY : order,
            backends,
            refs.size(),
            rule.getTimeouts(),
            rule.getRetry(),
            out);
      } catch (GammaMatches.Unsupported e) {
        drop(w, e.field, e.getMessage(), Reasons.UNSUPPORTED_VALUE, out);
      } catch (GammaMatches.Invalid e) {
        drop(w, e.field, e.getMessage(), Problem.INVALID_SPEC, out);
      }
    }
    return w;
  }

  private static HTTPRouteMatch empty() {
    return new HTTPRouteMatch();
  }

  // ---- GRPCRoute

  private static Work grpc(GRPCRoute r, Topology t, Predicate<String> meshed, List<Problem> out) {
    Work w = new Work(r);
    if (r.getSpec() == null) {
      return w;
    }
    parents(w, r.getSpec().getParentRefs(), t, meshed, out);
    if (w.parents.isEmpty()) {
      return w;
    }
    List<GRPCRouteRule> rules = r.getSpec().getRules() == null ? List.of() : r.getSpec().getRules();
    for (int i = 0; i < rules.size(); i++) {
      GRPCRouteRule rule = rules.get(i);
      String field = "spec.rules[" + i + "]";
      try {
        if (rule.getFilters() != null && !rule.getFilters().isEmpty()) {
          throw new GammaMatches.Unsupported(
              field + ".filters",
              "filters (" + rule.getFilters().get(0).getType() + ") are not supported yet");
        }
        List<HttpMatch> matches = new ArrayList<>();
        MatchOrder order = MatchOrder.ANY;
        boolean all = rule.getMatches() == null || rule.getMatches().isEmpty();
        List<GRPCRouteMatch> ms = all ? List.of() : rule.getMatches();
        for (int j = 0; j < ms.size(); j++) {
          GRPCRouteMatch m = ms.get(j) == null ? new GRPCRouteMatch() : ms.get(j);
          HttpMatch hm = GammaMatches.grpc(matchName(w, i, j), field + ".matches[" + j + "]", m);
          all |= everything(hm);
          matches.add(hm);
          MatchOrder o = GammaMatches.order(m);
          order = o.compareTo(order) > 0 ? o : order;
        }
        List<WeightedBackend> backends = new ArrayList<>();
        List<GRPCBackendRef> refs =
            rule.getBackendRefs() == null ? List.of() : rule.getBackendRefs();
        for (int j = 0; j < refs.size(); j++) {
          GRPCBackendRef b = refs.get(j);
          String bf = field + ".backendRefs[" + j + "]";
          if (b.getFilters() != null && !b.getFilters().isEmpty()) {
            throw new GammaMatches.Unsupported(
                bf + ".filters", "backendRef filters are not supported yet");
          }
          WeightedBackend wb =
              backend(
                  w,
                  bf,
                  b.getGroup(),
                  b.getKind(),
                  b.getNamespace(),
                  b.getName(),
                  b.getPort(),
                  b.getWeight(),
                  t,
                  out);
          if (wb != null) {
            backends.add(wb);
          }
        }
        add(
            w,
            i,
            field,
            all ? List.of() : matches,
            all ? MatchOrder.ANY : order,
            backends,
            refs.size(),
            null,
            null,
            out);
      } catch (GammaMatches.Unsupported e) {
        drop(w, e.field, e.getMessage(), Reasons.UNSUPPORTED_VALUE, out);
      } catch (GammaMatches.Invalid e) {
        drop(w, e.field, e.getMessage(), Problem.INVALID_SPEC, out);
      }
    }
    return w;
  }

  // ---- shared steps

  private static String matchName(Work w, int rule, int match) {
    return w.ref.kind()
        + " "
        + w.ref.namespace()
        + "/"
        + w.ref.name()
        + " rules["
        + rule
        + "].matches["
        + match
        + "]";
  }

  private static boolean everything(HttpMatch m) {
    return m.pathRegex() == null && m.methods().isEmpty() && m.headers().isEmpty();
  }

  private static void add(
      Work w,
      int index,
      String field,
      List<HttpMatch> matches,
      MatchOrder order,
      List<WeightedBackend> backends,
      int refs,
      HTTPRouteTimeouts timeouts,
      HTTPRouteRetry retry,
      List<Problem> out) {
    if (refs == 0) {
      throw new GammaMatches.Unsupported(
          field + ".backendRefs",
          "a rule without backendRefs (answered with 500 by the spec) is not supported yet");
    }
    if (backends.isEmpty()) {
      // ResolvedRefs already says why; every request it matches would fail.
      w.dropped.add(field + " has no backendRef that resolves");
      return;
    }
    long request =
        timeouts == null ? 0 : duration(field + ".timeouts.request", timeouts.getRequest());
    long backend =
        timeouts == null
            ? 0
            : duration(field + ".timeouts.backendRequest", timeouts.getBackendRequest());
    if (request > 0 && backend > request) {
      throw new GammaMatches.Invalid(
          field + ".timeouts.backendRequest", "is longer than timeouts.request");
    }
    int attempts = 0;
    long backoff = 0;
    if (retry != null) {
      attempts = retry.getAttempts() == null ? 0 : retry.getAttempts();
      if (attempts < 0 || attempts > MAX_RETRY_ATTEMPTS) {
        throw new GammaMatches.Invalid(
            field + ".retry.attempts", attempts + " is not in 0.." + MAX_RETRY_ATTEMPTS);
      }
      backoff = duration(field + ".retry.backoff", retry.getBackoff());
      if (retry.getCodes() != null && !retry.getCodes().isEmpty()) {
        out.add(
            problem(
                w,
                field + ".retry.codes",
                "the proxy retries connect failures and 502/503/504 of idempotent requests;"
                    + " other codes are not retried (docs/gateway-api.md)",
                Reasons.UNSUPPORTED_VALUE));
      }
    }
    boolean policy = request > 0 || backend > 0 || attempts > 0;
    if (policy && !matches.isEmpty()) {
      throw new GammaMatches.Unsupported(
          field + (request > 0 || backend > 0 ? ".timeouts" : ".retry"),
          "timeouts and retries apply to a whole Service port today; set them on a rule without"
              + " matches");
    }
    w.rules.add(
        new GammaRule(w.ref, index, matches, order, backends, request, backend, attempts, backoff));
  }

  private static void drop(Work w, String field, String message, String reason, List<Problem> out) {
    out.add(problem(w, field, message + "; rule skipped", reason));
    w.dropped.add(field + ": " + message);
    if (Reasons.UNSUPPORTED_VALUE.equals(reason) && w.unsupportedReason == null) {
      w.unsupportedReason = reason;
    }
  }

  /** A Gateway API Duration ({@code 1h30m}, {@code 500ms}; GEP-2257) in milliseconds; 0 if null. */
  static long duration(String field, String value) {
    if (value == null) {
      return 0;
    }
    Matcher m = DURATION.matcher(value);
    long total = 0;
    int at = 0;
    int parts = 0;
    while (at < value.length() && m.find(at) && m.start() == at && parts < 4) {
      long n = Long.parseLong(m.group(1));
      total +=
          switch (m.group(2)) {
            case "h" -> n * 3_600_000;
            case "m" -> n * 60_000;
            case "s" -> n * 1000;
            default -> n;
          };
      at = m.end();
      parts++;
    }
    if (value.isEmpty() || at != value.length()) {
      throw new GammaMatches.Invalid(
          field, "'" + value + "' is not a Gateway API duration (like 10s, 1m30s, 500ms)");
    }
    return total;
  }

  private static WeightedBackend backend(
      Work w,
      String field,
      String group,
      String kind,
      String namespace,
      String name,
      Integer port,
      Integer weight,
      Topology t,
      List<Problem> out) {
    String ns = w.ref.namespace();
    if ((group != null && !group.isEmpty() && !"core".equals(group))
        || (kind != null && !"Service".equals(kind))) {
      refused(
          w,
          field,
          "only Services can be backends, not " + group + "/" + kind,
          Reasons.INVALID_KIND,
          out);
      return null;
    }
    if (namespace != null && !namespace.equals(ns)) {
      // A cross-namespace backend needs a ReferenceGrant, which the mesh does not read.
      refused(
          w,
          field + ".namespace",
          "Service '" + namespace + "/" + name + "' is in another namespace; not permitted",
          Reasons.REF_NOT_PERMITTED,
          out);
      return null;
    }
    Service svc = name == null ? null : t.service(ns, name);
    if (svc == null) {
      refused(
          w,
          field + ".name",
          "Service '" + name + "' not found in namespace '" + ns + "'; backend left out",
          Reasons.BACKEND_NOT_FOUND,
          out);
      return null;
    }
    int w8 = weight == null ? 1 : weight;
    if (w8 < 0 || w8 > 1_000_000) {
      throw new GammaMatches.Invalid(field + ".weight", w8 + " is not in 0..1000000");
    }
    if (port != null && (port < 1 || port > 65535)) {
      throw new GammaMatches.Invalid(field + ".port", port + " is not in 1..65535");
    }
    return new WeightedBackend(name, port == null ? 0 : port, w8);
  }

  private static void refused(
      Work w, String field, String message, String reason, List<Problem> out) {
    out.add(problem(w, field, message, reason));
    if (w.resolved == null) {
      w.resolved = new Condition(Reasons.RESOLVED_REFS, false, reason, field + ": " + message);
    }
  }

  private static void parents(
      Work w, List<ParentReference> refs, Topology t, Predicate<String> meshed, List<Problem> out) {
    for (int k = 0; refs != null && k < refs.size(); k++) {
      ParentReference p = refs.get(k);
      if (p == null
          || !"Service".equals(p.getKind())
          || (p.getGroup() != null && !p.getGroup().isEmpty() && !"core".equals(p.getGroup()))) {
        continue;
      }
      String field = "spec.parentRefs[" + k + "]";
      String ns = p.getNamespace() == null ? w.ref.namespace() : p.getNamespace();
      String key = Topology.key(ns, p.getName());
      if (!ns.equals(w.ref.namespace())) {
        w.parents.add(
            refusedParent(
                w,
                p,
                key,
                field + ".namespace",
                Reasons.UNSUPPORTED_VALUE,
                "a route in another namespace than its Service (a consumer route) is not supported",
                out));
        continue;
      }
      Service svc = t.services().get(key);
      if (svc == null
          || !meshed.test(key)
          || svc.getSpec() == null
          || svc.getSpec().getPorts() == null) {
        w.parents.add(
            refusedParent(
                w,
                p,
                key,
                field + ".name",
                Reasons.NO_MATCHING_PARENT,
                "Service '" + p.getName() + "' " + (svc == null ? "not found" : "is not meshed"),
                out));
        continue;
      }
      Set<Integer> ports = null;
      if (p.getSectionName() != null || p.getPort() != null) {
        ports = new TreeSet<>();
        for (ServicePort sp : svc.getSpec().getPorts()) {
          if (sp != null
              && sp.getPort() != null
              && (p.getSectionName() == null || p.getSectionName().equals(sp.getName()))
              && (p.getPort() == null || p.getPort().equals(sp.getPort()))) {
            ports.add(sp.getPort());
          }
        }
        if (ports.isEmpty()) {
          w.parents.add(
              refusedParent(
                  w,
                  p,
                  key,
                  field + (p.getSectionName() != null ? ".sectionName" : ".port"),
                  Reasons.NO_MATCHING_PARENT,
                  "Service '"
                      + p.getName()
                      + "' has no port "
                      + (p.getSectionName() != null ? "named '" + p.getSectionName() + "'" : "")
                      + (p.getSectionName() != null && p.getPort() != null ? " and " : "")
                      + (p.getPort() != null ? "numbered " + p.getPort() : ""),
                  out));
          continue;
        }
      }
      w.parents.add(new Parent(p, key, ports == null ? null : Set.copyOf(ports), null));
    }
  }

  private static Parent refusedParent(
      Work w,
      ParentReference p,
      String key,
      String field,
      String reason,
      String message,
      List<Problem> out) {
    out.add(problem(w, field, message + "; the route is not attached there", reason));
    return new Parent(p, key, null, new Condition(Reasons.ACCEPTED, false, reason, message));
  }

  private static Problem problem(Work w, String field, String message, String reason) {
    return new Problem(w.ref.kind(), w.ref.namespace(), w.ref.name(), field, message, reason);
  }
}
