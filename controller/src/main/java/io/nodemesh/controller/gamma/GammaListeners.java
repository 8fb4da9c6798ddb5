package io.nodemesh.controller.gamma;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.EndpointConfig;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.config.RouteFilter;
import io.nodemesh.config.RouteRule;
import io.nodemesh.controller.common.Problem;
import io.nodemesh.controller.common.ProblemReason;
import io.nodemesh.controller.gamma.GammaRule.WeightedBackend;
import io.nodemesh.controller.topology.Topology;
import java.util.ArrayList;
import java.util.List;

/**
 * Puts the GAMMA rules of a Service port into its listener as {@link RouteRule}s, in precedence
 * order, with the backends' and mirrors' endpoints resolved for that port. The proxy then takes the
 * first rule that matches and answers 404 when none does (Gateway API); the listener's SMI split is
 * not used (see {@code GammaPrecedence} in the compiler).
 */
public final class GammaListeners {
  private GammaListeners() {}

  /** The endpoints of a Service port, as the compiler resolves them (cached, ACL-aware). */
  @FunctionalInterface
  public interface Endpoints {
    List<EndpointConfig> of(String namespace, String service, ServicePort port, List<Problem> out);
  }

  /**
   * The listener with its GAMMA rules, or {@code l} itself when no rule is attached to its port.
   */
  public static ListenerConfig apply(
      ListenerConfig l, ServiceRoutes routes, Topology t, Endpoints endpoints, List<Problem> out) {
    List<GammaRule> rules = routes == null ? null : routes.byPort().get(l.port());
    if (rules == null || rules.isEmpty()) {
      return l;
    }
    if (!l.protocol().servesHttp()) {
      GammaRule first = rules.get(0);
      out.add(
          problem(
              first,
              "spec.parentRefs",
              "port "
                  + l.port()
                  + " of Service '"
                  + l.service()
                  + "' is "
                  + l.protocol().wireName()
                  + ", not http; the route's rules are not applied there",
              Reasons.UNSUPPORTED_VALUE));
      return l;
    }
    List<RouteRule> compiled = new ArrayList<>();
    for (GammaRule r : rules) {
      List<BackendConfig> backends = new ArrayList<>();
      int refused = r.refusedWeight();
      for (int i = 0; i < r.backends().size(); i++) {
        WeightedBackend b = r.backends().get(i);
        BackendConfig c =
            backend(
                l,
                r,
                "spec.rules[" + r.index() + "].backendRefs",
                b.service(),
                b.port(),
                b.weight(),
                t,
                endpoints,
                out);
        if (c == null) {
          refused += b.weight();
        } else {
          backends.add(c);
        }
      }
      List<RouteFilter> filters = new ArrayList<>();
      for (GammaRule.Filter f : r.filters()) {
        switch (f) {
          case GammaRule.Ready ready -> filters.add(ready.filter());
          case GammaRule.Mirror m -> {
            BackendConfig c =
                backend(
                    l,
                    r,
                    "spec.rules[" + r.index() + "].filters",
                    m.service(),
                    m.port(),
                    1,
                    t,
                    endpoints,
                    out);
            if (c != null) {
              filters.add(new RouteFilter.RequestMirror(c, m.percent()));
            }
          }
        }
      }
      compiled.add(
          new RouteRule(
              r.name(),
              r.matches(),
              filters,
              backends,
              refused,
              r.timeouts(),
              r.retry(),
              r.fault()));
    }
    RouteConfig route = new RouteConfig(l.route().root(), List.of(), List.of(), null, compiled);
    return new ListenerConfig(
        l.namespace(), l.service(), l.port(), l.protocol(), l.proxyPort(), route, l.policy());
  }

  /** Checks the bounds {@link RouteRule} enforces, with placeholder backends; returns the rule. */
  static GammaRule check(GammaRule r) {
    List<RouteFilter> filters = new ArrayList<>();
    for (GammaRule.Filter f : r.filters()) {
      if (f instanceof GammaRule.Ready ready) {
        filters.add(ready.filter());
      }
    }
    List<BackendConfig> backends = new ArrayList<>();
    for (WeightedBackend b : r.backends()) {
      backends.add(new BackendConfig(b.service(), b.weight(), List.of()));
    }
    new RouteRule(
        r.name(),
        r.matches(),
        filters,
        backends,
        r.refusedWeight(),
        r.timeouts(),
        r.retry(),
        r.fault());
    return r;
  }

  /** A backend or mirror target for the listener's port; null (reported) without that port. */
  private static BackendConfig backend(
      ListenerConfig l,
      GammaRule r,
      String field,
      String service,
      int backendPort,
      int weight,
      Topology t,
      Endpoints endpoints,
      List<Problem> out) {
    int port = backendPort == 0 ? l.port() : backendPort;
    ServicePort sp = port(t.service(l.namespace(), service), port);
    if (sp == null) {
      out.add(
          problem(
              r,
              field,
              "Service '" + service + "' has no port " + port + "; its share is answered 500",
              "PortMissing"));
      return null;
    }
    return new BackendConfig(service, weight, endpoints.of(l.namespace(), service, sp, out));
  }

  private static Problem problem(GammaRule r, String field, String message, String reason) {
    return new Problem(
        r.route().kind(),
        r.route().namespace(),
        r.route().name(),
        field,
        message,
        ProblemReason.ofEventReason(reason));
  }

  private static ServicePort port(Service svc, int port) {
    if (svc == null || svc.getSpec() == null || svc.getSpec().getPorts() == null) {
      return null;
    }
    for (ServicePort sp : svc.getSpec().getPorts()) {
      if (sp != null && sp.getPort() != null && sp.getPort() == port) {
        return sp;
      }
    }
    return null;
  }
}
