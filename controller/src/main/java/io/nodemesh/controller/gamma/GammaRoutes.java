package io.nodemesh.controller.gamma;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCBackendRef;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRouteFilter;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRouteMatch;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRouteRule;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPBackendRef;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteFilter;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteMatch;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteRetry;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteRule;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteTimeouts;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ParentReference;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.config.RouteRule;
import io.nodemesh.config.TenantRegex;
import io.nodemesh.controller.common.ObjectFailure;
import io.nodemesh.controller.common.Problem;
import io.nodemesh.controller.common.ProblemReason;
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
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
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
      HasMetadata r, Supplier<Work> step, List<Work> works, List<Problem> out) {
    List<Problem> failed = new ArrayList<>(1);
    Work w = ObjectFailure.guard(r, step::get, () -> null, failed);
    out.addAll(failed);
    // A route that lost its last Service parent still gets a status: our old entries go away.
    if (w != null && (!w.parents.isEmpty() || hasOurStatus(r))) {
      works.add(w);
    }
  }

  /**
   * The rules of one port in Gateway API precedence order, within the listener's bounds: at most
   * {@link RouteConfig#MAX_RULES} rules and {@link TenantRegex#MAX_ROUTE_STEPS} regex steps, which
   * a request that matches nothing pays in full. Rules past a bound are reported and left out, the
   * least specific first.
   */
  private static List<GammaRule> inPrecedence(
      List<Attached> here, int port, List<Problem> problems) {
    List<Attached> sorted = new ArrayList<>(here);
    sorted.sort(
        Comparator.comparing((Attached a) -> a.rule.order(), Comparator.reverseOrder())
            .thenComparing(a -> a.rule.route())
            .thenComparingInt(a -> a.rule.index())
            .thenComparingInt(a -> a.rule.match()));
    List<GammaRule> kept = new ArrayList<>();
    long steps = 0;
    for (Attached a : sorted) {
      GammaRule r = a.rule;
      String field = "spec.rules[" + r.index() + "]";
      long s = r.matches().stream().mapToLong(GammaRoutes::steps).sum();
      String why = null;
      if (kept.size() >= RouteConfig.MAX_RULES) {
        why =
            "port "
                + port
                + " already holds "
                + RouteConfig.MAX_RULES
                + " rules that take precedence; rule not applied there";
      } else if (steps + s > TenantRegex.MAX_ROUTE_STEPS) {
        why =
            "its regexes would take the rules of port "
                + port
                + " over "
                + TenantRegex.MAX_ROUTE_STEPS
                + " steps per request; rule not applied there";
      }
      if (why != null) {
        problems.add(
            problem(a.work, field + ".matches", why, ProblemReason.INVALID_SPEC.eventReason()));
        a.work.dropped.add(field + " " + why);
        continue;
      }
      steps += s;
      kept.add(r);
    }
    return List.copyOf(kept);
  }

  private static long steps(RouteRule.Match m) {
    long sum = 0;
    if (m.path() != null && m.path().type() == RouteRule.PathMatch.Type.REGULAR_EXPRESSION) {
      sum += TenantRegex.steps(m.path().value());
    }
    for (RouteRule.ValueMatch v : m.headers()) {
      sum +=
          v.type() == RouteRule.ValueMatch.Type.REGULAR_EXPRESSION
              ? TenantRegex.steps(v.value())
              : 0;
    }
    for (RouteRule.ValueMatch v : m.queryParams()) {
      sum +=
          v.type() == RouteRule.ValueMatch.Type.REGULAR_EXPRESSION
              ? TenantRegex.steps(v.value())
              : 0;
    }
    return sum;
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

  // ---- HTTPRoute and GRPCRoute

  /**
   * Where an HTTPRoute rule and a GRPCRoute rule differ: the fabric8 types and the fields only
   * HTTPRoute has (redirect, rewrite, timeouts, retry). The walk over the rules ({@link #rules}) is
   * one, so both kinds are validated by the same steps in the same order.
   */
  private record RuleKind<R, M, F, B>(
      Function<R, List<M>> matches,
      Supplier<M> emptyMatch,
      BiFunction<String, M, RouteRule.Match> match,
      Function<M, MatchOrder> order,
      Function<R, List<F>> filters,
      Function<F, GammaFilters.Parts> filter,
      Function<R, List<B>> backendRefs,
      Function<B, BackendRef> backendRef,
      Function<R, HTTPRouteTimeouts> timeouts,
      Function<R, HTTPRouteRetry> retry) {}

  /** The fields of one backendRef that both route kinds share. */
  private record BackendRef(
      boolean hasFilters,
      String group,
      String kind,
      String namespace,
      String name,
      Integer port,
      Integer weight) {}

  private static final RuleKind<HTTPRouteRule, HTTPRouteMatch, HTTPRouteFilter, HTTPBackendRef>
      HTTP_RULES =
          new RuleKind<>(
              HTTPRouteRule::getMatches,
              HTTPRouteMatch::new,
              GammaMatches::http,
              GammaMatches::order,
              HTTPRouteRule::getFilters,
              f ->
                  new GammaFilters.Parts(
                      f.getType(),
                      f.getRequestHeaderModifier(),
                      f.getResponseHeaderModifier(),
                      f.getRequestRedirect(),
                      f.getUrlRewrite(),
                      f.getRequestMirror(),
                      f.getExtensionRef()),
              HTTPRouteRule::getBackendRefs,
              b ->
                  new BackendRef(
                      b.getFilters() != null && !b.getFilters().isEmpty(),
                      b.getGroup(),
                      b.getKind(),
                      b.getNamespace(),
                      b.getName(),
                      b.getPort(),
                      b.getWeight()),
              HTTPRouteRule::getTimeouts,
              HTTPRouteRule::getRetry);

  /** GRPCRoute has no redirect, rewrite, timeouts or retry: those parts stay null. */
  private static final RuleKind<GRPCRouteRule, GRPCRouteMatch, GRPCRouteFilter, GRPCBackendRef>
      GRPC_RULES =
          new RuleKind<>(
              GRPCRouteRule::getMatches,
              GRPCRouteMatch::new,
              GammaMatches::grpc,
              GammaMatches::order,
              GRPCRouteRule::getFilters,
              f ->
                  new GammaFilters.Parts(
                      f.getType(),
                      f.getRequestHeaderModifier(),
                      f.getResponseHeaderModifier(),
                      null,
                      null,
                      f.getRequestMirror(),
                      f.getExtensionRef()),
              GRPCRouteRule::getBackendRefs,
              b ->
                  new BackendRef(
                      b.getFilters() != null && !b.getFilters().isEmpty(),
                      b.getGroup(),
                      b.getKind(),
                      b.getNamespace(),
                      b.getName(),
                      b.getPort(),
                      b.getWeight()),
              r -> null,
              r -> null);

  private static Work http(HTTPRoute r, Topology t, Predicate<String> meshed, List<Problem> out) {
    Work w = new Work(r);
    if (r.getSpec() == null) {
      return w;
    }
    parents(w, r.getSpec().getParentRefs(), t, meshed, out);
    if (w.parents.isEmpty()) {
      return w;
    }
    rules(w, r.getSpec().getRules(), HTTP_RULES, GammaFault.of(r, out), t, out);
    return w;
  }

  private static Work grpc(GRPCRoute r, Topology t, Predicate<String> meshed, List<Problem> out) {
    Work w = new Work(r);
    if (r.getSpec() == null) {
      return w;
    }
    parents(w, r.getSpec().getParentRefs(), t, meshed, out);
    if (w.parents.isEmpty()) {
      return w;
    }
    rules(w, r.getSpec().getRules(), GRPC_RULES, GammaFault.of(r, out), t, out);
    return w;
  }

  /**
   * Each rule in turn: matches, then filters, then backendRefs. A rule with an unsupported or
   * invalid field is dropped (reported) and the others still apply.
   */
  private static <R, M, F, B> void rules(
      Work w,
      List<R> specRules,
      RuleKind<R, M, F, B> kind,
      RouteRule.Fault fault,
      Topology t,
      List<Problem> out) {
    List<R> rules = orEmpty(specRules);
    for (int i = 0; i < rules.size(); i++) {
      R rule = rules.get(i);
      String field = "spec.rules[" + i + "]";
      try {
        List<RouteRule.Match> matches = new ArrayList<>();
        List<MatchOrder> orders = new ArrayList<>();
        List<M> ms = orEmpty(kind.matches().apply(rule));
        for (int j = 0; j < ms.size(); j++) {
          M m = ms.get(j) == null ? kind.emptyMatch().get() : ms.get(j);
          matches.add(kind.match().apply(field + ".matches[" + j + "]", m));
          orders.add(kind.order().apply(m));
        }
        List<GammaRule.Filter> filters = new ArrayList<>();
        List<F> fs = orEmpty(kind.filters().apply(rule));
        for (int j = 0; j < fs.size(); j++) {
          GammaRule.Filter filter =
              GammaFilters.filter(
                  field + ".filters[" + j + "]",
                  kind.filter().apply(fs.get(j)),
                  w.ref.namespace(),
                  t,
                  (bf, message, reason) -> refused(w, bf, message, reason, out));
          if (filter != null) {
            filters.add(filter);
          }
        }
        Backends backends = new Backends();
        List<B> refs = orEmpty(kind.backendRefs().apply(rule));
        for (int j = 0; j < refs.size(); j++) {
          BackendRef b = kind.backendRef().apply(refs.get(j));
          String bf = field + ".backendRefs[" + j + "]";
          if (b.hasFilters()) {
            throw new GammaMatches.Unsupported(
                bf + ".filters", "backendRef filters are not supported");
          }
          backend(
              w,
              bf,
              b.group(),
              b.kind(),
              b.namespace(),
              b.name(),
              b.port(),
              b.weight(),
              t,
              out,
              backends);
        }
        add(
            w,
            i,
            field,
            matches,
            orders,
            filters,
            backends,
            kind.timeouts().apply(rule),
            kind.retry().apply(rule),
            fault,
            out);
      } catch (GammaMatches.Unsupported e) {
        drop(w, e.field, e.getMessage(), Reasons.UNSUPPORTED_VALUE, out);
      } catch (GammaMatches.Invalid e) {
        drop(w, e.field, e.getMessage(), ProblemReason.INVALID_SPEC.eventReason(), out);
      }
    }
  }

  private static <T> List<T> orEmpty(List<T> list) {
    return list == null ? List.of() : list;
  }

  // ---- shared steps

  /** A rule's backendRefs: those that resolved, and the weight of those that did not. */
  private static final class Backends {
    final List<WeightedBackend> resolved = new ArrayList<>();
    long refusedWeight;
  }

  private static void add(
      Work w,
      int index,
      String field,
      List<RouteRule.Match> matches,
      List<MatchOrder> orders,
      List<GammaRule.Filter> filters,
      Backends backends,
      HTTPRouteTimeouts timeouts,
      HTTPRouteRetry retry,
      RouteRule.Fault fault,
      List<Problem> out) {
    RouteRule.Timeouts t = null;
    if (timeouts != null) {
      long request = duration(field + ".timeouts.request", timeouts.getRequest());
      long backend = duration(field + ".timeouts.backendRequest", timeouts.getBackendRequest());
      t = GammaMatches.at(field + ".timeouts", () -> new RouteRule.Timeouts(request, backend));
    }
    RouteRule.Retry y = null;
    if (retry != null) {
      int attempts = retry.getAttempts() == null ? 0 : retry.getAttempts();
      long backoff = duration(field + ".retry.backoff", retry.getBackoff());
      y =
          GammaMatches.at(
              field + ".retry", () -> new RouteRule.Retry(attempts, retry.getCodes(), backoff));
    }
    int refused = (int) Math.min(Integer.MAX_VALUE, backends.refusedWeight);
    if (matches.size() <= 1) {
      GammaRule rule =
          new GammaRule(
              w.ref,
              index,
              -1,
              matches,
              matches.isEmpty() ? MatchOrder.ANY : orders.get(0),
              filters,
              backends.resolved,
              refused,
              t,
              y,
              fault);
      // The record bounds (counts, one redirect or rewrite, ReplacePrefixMatch with PathPrefix)
      // are checked where they live, on a rule with placeholder backends.
      GammaMatches.at(field, () -> GammaListeners.check(rule));
      w.rules.add(rule);
      return;
    }
    // The spec ranks matches, not rules: "/api" in one rule goes before a header-only match of
    // another rule. So each match becomes its own entry, ranked by itself.
    List<GammaRule> parts = new ArrayList<>();
    for (int m = 0; m < matches.size(); m++) {
      GammaRule rule =
          new GammaRule(
              w.ref,
              index,
              m,
              List.of(matches.get(m)),
              orders.get(m),
              filters,
              backends.resolved,
              refused,
              t,
              y,
              fault);
      GammaMatches.at(field + ".matches[" + m + "]", () -> GammaListeners.check(rule));
      parts.add(rule);
    }
    w.rules.addAll(parts);
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

  private static void backend(
      Work w,
      String field,
      String group,
      String kind,
      String namespace,
      String name,
      Integer port,
      Integer weight,
      Topology t,
      List<Problem> out,
      Backends into) {
    String ns = w.ref.namespace();
    int w8 = weight == null ? 1 : weight;
    if (w8 < 0 || w8 > 1_000_000) {
      throw new GammaMatches.Invalid(field + ".weight", w8 + " is not in 0..1000000");
    }
    if (port != null && (port < 1 || port > 65535)) {
      throw new GammaMatches.Invalid(field + ".port", port + " is not in 1..65535");
    }
    if ((group != null && !group.isEmpty() && !"core".equals(group))
        || (kind != null && !"Service".equals(kind))) {
      refused(
          w,
          field,
          "only Services can be backends, not " + group + "/" + kind,
          Reasons.INVALID_KIND,
          out);
      into.refusedWeight += w8;
      return;
    }
    if (namespace != null && !namespace.equals(ns)) {
      // A cross-namespace backend needs a ReferenceGrant, which the mesh does not read.
      refused(
          w,
          field + ".namespace",
          "Service '" + namespace + "/" + name + "' is in another namespace; not permitted",
          Reasons.REF_NOT_PERMITTED,
          out);
      into.refusedWeight += w8;
      return;
    }
    if (name == null || t.service(ns, name) == null) {
      refused(
          w,
          field + ".name",
          "Service '" + name + "' not found in namespace '" + ns + "'; its share is answered 500",
          Reasons.BACKEND_NOT_FOUND,
          out);
      into.refusedWeight += w8;
      return;
    }
    into.resolved.add(new WeightedBackend(name, port == null ? 0 : port, w8));
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

  private static boolean hasOurStatus(HasMetadata r) {
    List<io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteParentStatus> parents =
        switch (r) {
          case HTTPRoute h -> h.getStatus() == null ? null : h.getStatus().getParents();
          case GRPCRoute g -> g.getStatus() == null ? null : g.getStatus().getParents();
          default -> null;
        };
    return parents != null
        && parents.stream()
            .anyMatch(p -> RouteStatus.CONTROLLER_NAME.equals(p.getControllerName()));
  }

  private static Problem problem(Work w, String field, String message, String reason) {
    return new Problem(
        w.ref.kind(),
        w.ref.namespace(),
        w.ref.name(),
        field,
        message,
        ProblemReason.ofEventReason(reason));
  }
}
