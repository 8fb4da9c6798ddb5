package io.nodemesh.controller.gamma;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.EndpointConfig;
import io.nodemesh.config.HttpMatch;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.Protocol;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.config.ServicePolicy;
import io.nodemesh.controller.common.Problem;
import io.nodemesh.controller.gamma.GammaRule.WeightedBackend;
import io.nodemesh.controller.topology.Topology;
import java.util.ArrayList;
import java.util.List;

/**
 * Puts the GAMMA rules of a Service port into its listener: the rules' backends become the
 * listener's weighted split, their matches select the requests that are split (the rest go to the
 * Service itself, as GAMMA says for requests no route matches), and the timeouts and retries of a
 * match-everything rule become the listener's.
 */
public final class GammaListeners {
  private GammaListeners() {}

  /** The endpoints of a Service port, as the compiler resolves them (cached, ACL-aware). */
  @FunctionalInterface
  public interface Endpoints {
    List<EndpointConfig> of(String namespace, String service, ServicePort port, List<Problem> out);
  }

  /**
   * The listener with its GAMMA rules applied, or {@code l} itself when no rule is attached to its
   * port.
   */
  public static ListenerConfig apply(
      ListenerConfig l, ServiceRoutes routes, Topology t, Endpoints endpoints, List<Problem> out) {
    List<GammaRule> rules = routes == null ? null : routes.byPort().get(l.port());
    if (rules == null || rules.isEmpty()) {
      return l;
    }
    GammaRule first = rules.get(0);
    if (l.protocol() != Protocol.HTTP) {
      out.add(
          new Problem(
              first.route().kind(),
              first.route().namespace(),
              first.route().name(),
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
    List<BackendConfig> split = new ArrayList<>();
    for (int i = 0; i < first.backends().size(); i++) {
      WeightedBackend b = first.backends().get(i);
      int port = b.port() == 0 ? l.port() : b.port();
      ServicePort sp = port(t.service(l.namespace(), b.service()), port);
      if (sp == null) {
        out.add(
            new Problem(
                first.route().kind(),
                first.route().namespace(),
                first.route().name(),
                "spec.rules[" + first.index() + "].backendRefs[" + i + "].port",
                "Service '" + b.service() + "' has no port " + port + "; backend left out",
                "PortMissing"));
        continue;
      }
      split.add(
          new BackendConfig(
              b.service(), b.weight(), endpoints.of(l.namespace(), b.service(), sp, out)));
    }
    List<HttpMatch> matches = new ArrayList<>();
    boolean all = false;
    for (GammaRule r : rules) {
      all |= r.matches().isEmpty();
      matches.addAll(r.matches());
    }
    RouteConfig route =
        new RouteConfig(
            l.route().root(), split, all ? List.of() : matches, first.route().toString());
    return new ListenerConfig(
        l.namespace(),
        l.service(),
        l.port(),
        l.protocol(),
        l.proxyPort(),
        route,
        policy(l.policy(), first));
  }

  /** The listener's policy with a match-everything rule's timeouts and retries. */
  private static ServicePolicy policy(ServicePolicy p, GammaRule r) {
    if (!r.hasPolicy()) {
      return p;
    }
    ServicePolicy.Timeouts t = p.timeouts();
    ServicePolicy.Retry y = p.retry();
    ServicePolicy.Timeouts timeouts =
        new ServicePolicy.Timeouts(
            t.connectMillis(),
            r.requestMillis() > 0 ? r.requestMillis() : t.requestMillis(),
            t.idleMillis());
    ServicePolicy.Retry retry =
        new ServicePolicy.Retry(
            r.retryAttempts() > 0 ? r.retryAttempts() : y.attempts(),
            r.backendRequestMillis() > 0 ? r.backendRequestMillis() : y.perTryMillis(),
            r.retryBackoffMillis() > 0 ? r.retryBackoffMillis() : y.backoffBaseMillis(),
            Math.max(y.backoffMaxMillis(), r.retryBackoffMillis()),
            y.budgetRatio(),
            y.budgetMinPerSecond());
    return new ServicePolicy(
        p.scheme(),
        p.balancing(),
        timeouts,
        retry,
        p.circuitBreaker(),
        p.outlier(),
        p.rateLimit(),
        p.connections(),
        p.paths());
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
