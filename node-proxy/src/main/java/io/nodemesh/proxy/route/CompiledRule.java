package io.nodemesh.proxy.route;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.config.RouteFilter;
import io.nodemesh.config.RouteMatcher;
import io.nodemesh.config.RouteRule;
import io.nodemesh.config.ServicePolicy;
import io.nodemesh.proxy.balance.CompiledBackend;
import io.nodemesh.proxy.balance.CompiledRoute;
import io.nodemesh.proxy.balance.ResilienceRegistry;
import io.nodemesh.proxy.fault.FaultInjector;
import io.nodemesh.proxy.fault.Share;
import io.nodemesh.proxy.metrics.ListenerMetrics;
import io.nodemesh.proxy.metrics.RouteMeters;
import io.nodemesh.proxy.mirror.MirrorGate;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntPredicate;

/**
 * One {@link RouteRule} ready for the request path: its matchers, filters, fault injection and a
 * {@link CompiledRoute} over its backends, so the weighted pick, endpoint balancing, breakers and
 * retries are the listener's own machinery, with the rule's timeouts and retry policy.
 */
public final class CompiledRule {
  private final String name;

  /** Netty's headers: a non-capturing reference, so a lookup allocates nothing. */
  private static final RouteMatcher.HeaderLookup<HttpHeaders> NETTY = HttpHeaders::get;

  private final RouteMatcher[] matchers;
  private final HeaderEditor requestEdits;
  private final HeaderEditor responseEdits;
  private final RouteFilter.RequestRedirect redirect;
  private final RouteFilter.UrlRewrite rewrite;
  private final MirrorGate[] mirrors;
  private final CompiledRoute route;
  private final Share refused;
  private final FaultInjector fault;
  private final IntPredicate retryStatuses;
  private final RouteMeters.Meter meter;

  CompiledRule(
      RouteRule rule,
      ListenerConfig listener,
      ResilienceRegistry registry,
      ListenerMetrics meters,
      RouteMeters.Meter meter) {
    this.name = rule.name();
    this.meter = meter;
    this.matchers = RouteMatcher.of(rule);
    HeaderEditor req = null;
    HeaderEditor resp = null;
    RouteFilter.RequestRedirect redir = null;
    RouteFilter.UrlRewrite rew = null;
    List<MirrorGate> mir = new ArrayList<>();
    for (RouteFilter f : rule.filters()) {
      switch (f) {
        case RouteFilter.RequestHeaderModifier m -> req = new HeaderEditor(m.edits());
        case RouteFilter.ResponseHeaderModifier m -> resp = new HeaderEditor(m.edits());
        case RouteFilter.RequestRedirect r -> redir = r;
        case RouteFilter.UrlRewrite u -> rew = u;
        case RouteFilter.RequestMirror m -> {
          if (m.percent() > 0) {
            mir.add(
                new MirrorGate(
                    new CompiledBackend(
                        m.backend(), listener.policy(), registry.endpoints(), registry.nodeName()),
                    m.percent(),
                    meter));
          }
        }
      }
    }
    this.requestEdits = req;
    this.responseEdits = resp;
    this.redirect = redir;
    this.rewrite = rew;
    this.mirrors = mir.toArray(MirrorGate[]::new);
    long weights = 0;
    for (BackendConfig b : rule.backends()) {
      weights += b.weight();
    }
    if (weights == 0 || redirect != null) {
      // Gateway API: a rule whose backends are all invalid or weighted 0 answers 500.
      this.route = null;
      this.refused = null;
    } else {
      ServicePolicy policy = policy(listener.policy(), rule);
      RouteConfig split =
          new RouteConfig(rule.backends().get(0), rule.backends(), List.of(), rule.name());
      ListenerConfig l =
          new ListenerConfig(
              listener.namespace(),
              listener.service(),
              listener.port(),
              listener.protocol(),
              listener.proxyPort(),
              split,
              policy);
      this.route = new CompiledRoute(l, registry, meters);
      this.refused =
          rule.refusedWeight() == 0
              ? null
              : new Share(
                  100.0 * rule.refusedWeight() / (weights + rule.refusedWeight()), Share.COPPER);
    }
    this.fault = FaultInjector.of(rule.fault());
    if (rule.retry() != null) {
      boolean[] codes = new boolean[600];
      for (int c : rule.retry().codes()) {
        codes[c] = true;
      }
      this.retryStatuses = c -> c >= 0 && c < 600 && codes[c];
    } else {
      this.retryStatuses = null;
    }
  }

  /**
   * The Service's policy with the rule's timeouts and retry in place. Gateway API {@code request}
   * is the whole request, retries included; {@code backendRequest} is one try, which without
   * retries is the whole request too.
   */
  static ServicePolicy policy(ServicePolicy p, RouteRule rule) {
    ServicePolicy.Retry retry = p.retry();
    if (rule.retry() != null) {
      retry =
          new ServicePolicy.Retry(
              rule.retry().attempts(),
              retry.perTryMillis(),
              rule.retry().backoffMillis() > 0
                  ? rule.retry().backoffMillis()
                  : retry.backoffBaseMillis(),
              Math.max(retry.backoffMaxMillis(), rule.retry().backoffMillis()),
              retry.budgetRatio(),
              retry.budgetMinPerSecond());
    }
    ServicePolicy.Timeouts t = p.timeouts();
    RouteRule.Timeouts rt = rule.timeouts();
    long request = t.requestMillis();
    if (rt != null) {
      if (rt.requestMillis() > 0) {
        request = rt.requestMillis();
      }
      if (rt.backendRequestMillis() > 0) {
        if (retry.attempts() > 0) {
          retry =
              new ServicePolicy.Retry(
                  retry.attempts(),
                  rt.backendRequestMillis(),
                  retry.backoffBaseMillis(),
                  retry.backoffMaxMillis(),
                  retry.budgetRatio(),
                  retry.budgetMinPerSecond());
        } else {
          request =
              request > 0
                  ? Math.min(request, rt.backendRequestMillis())
                  : rt.backendRequestMillis();
        }
      }
    }
    return new ServicePolicy(
        p.scheme(),
        p.balancing(),
        new ServicePolicy.Timeouts(t.connectMillis(), request, t.idleMillis()),
        retry,
        p.circuitBreaker(),
        p.outlier(),
        p.rateLimit(),
        p.connections(),
        p.paths());
  }

  /** The rule's name: its metrics label (before the cap) and what logs show. */
  public String name() {
    return name;
  }

  public RouteMeters.Meter meter() {
    return meter;
  }

  /** The index of the first match that holds (see {@link RouteMatcher#firstMatch}). */
  int matchIndex(String method, String path, String uri, HttpHeaders headers) {
    return RouteMatcher.firstMatch(matchers, method, path, uri, headers, NETTY);
  }

  /** Whether the rule matches the request (ignoring which match). */
  boolean matches(String method, String path, String uri, HttpHeaders headers) {
    return matchIndex(method, path, uri, headers) >= 0;
  }

  /** The fault injection, or null. */
  public FaultInjector fault() {
    return fault;
  }

  /** The redirect filter, or null. */
  public RouteFilter.RequestRedirect redirect() {
    return redirect;
  }

  /** The pick over the rule's backends, or null when it has none that may serve (answer 500). */
  public CompiledRoute route() {
    return route;
  }

  /** Whether this request falls in the share of backendRefs the controller refused (answer 500). */
  public boolean refusedShare() {
    return refused != null && refused.pick();
  }

  /** The statuses retried, or null for the proxy's own (502, 503, 504). */
  public IntPredicate retryStatuses() {
    return retryStatuses;
  }

  public MirrorGate[] mirrors() {
    return mirrors;
  }

  /** Whether the rule changes the response head. */
  public boolean editsResponse() {
    return responseEdits != null;
  }

  public void editResponse(HttpHeaders headers) {
    if (responseEdits != null) {
      responseEdits.apply(headers);
    }
  }

  /**
   * Applies the request header modifier and the URL rewrite to {@code request}, in place, before it
   * is forwarded.
   *
   * @param path the canonical path the rule matched
   */
  public void editRequest(HttpRequest request, String path) {
    // The new path first: the matched prefix is the one of the request as it came.
    String newUri = null;
    if (rewrite != null && rewrite.path() != null) {
      String uri = request.uri();
      int q = uri.indexOf('?');
      newUri = newPath(rewrite.path(), path, request) + (q < 0 ? "" : uri.substring(q));
    }
    if (requestEdits != null) {
      requestEdits.apply(request.headers());
    }
    if (rewrite != null && rewrite.hostname() != null) {
      request.headers().set(HttpHeaderNames.HOST, rewrite.hostname());
    }
    if (newUri != null) {
      request.setUri(newUri);
    }
  }

  /** The redirect's {@code Location} (Gateway API HTTPRequestRedirectFilter). */
  public String location(HttpRequest request, String path, int listenerPort) {
    RouteFilter.RequestRedirect r = redirect;
    String scheme = r.scheme() == null ? "http" : r.scheme();
    String hostHeader = request.headers().get(HttpHeaderNames.HOST, "");
    String host = r.hostname() != null ? r.hostname() : hostOf(hostHeader);
    int port;
    if (r.port() != null) {
      port = r.port();
    } else if (r.scheme() != null) {
      port = -1;
    } else {
      int requested = portOf(hostHeader);
      port = requested > 0 ? requested : listenerPort;
    }
    boolean wellKnown =
        port < 0
            || (scheme.equals("http") && port == 80)
            || (scheme.equals("https") && port == 443);
    String uri = request.uri();
    int q = uri.indexOf('?');
    String query = q < 0 ? "" : uri.substring(q);
    String newPath = r.path() == null ? path : newPath(r.path(), path, request);
    return scheme + "://" + host + (wellKnown ? "" : ":" + port) + newPath + query;
  }

  private String newPath(RouteRule.PathModifier m, String path, HttpRequest request) {
    if (m.type() == RouteRule.PathModifier.Type.REPLACE_FULL_PATH) {
      return m.value();
    }
    String prefix = matchedPrefix(request, path);
    String rest = prefix == null ? path : path.substring(prefix.length());
    String out = RouteMatcher.trimSlash(m.value()) + rest;
    return out.isEmpty() ? "/" : out;
  }

  private String matchedPrefix(HttpRequest request, String path) {
    int i = matchIndex(request.method().name(), path, request.uri(), request.headers());
    return i >= 0 && i < matchers.length ? matchers[i].prefix() : null;
  }

  private static String hostOf(String hostHeader) {
    if (hostHeader.startsWith("[")) {
      int close = hostHeader.indexOf(']');
      return close < 0 ? hostHeader : hostHeader.substring(0, close + 1);
    }
    int colon = hostHeader.indexOf(':');
    return colon < 0 ? hostHeader : hostHeader.substring(0, colon);
  }

  private static int portOf(String hostHeader) {
    int close = hostHeader.lastIndexOf(']');
    int colon = hostHeader.lastIndexOf(':');
    if (colon <= close) {
      return -1;
    }
    try {
      return Integer.parseInt(hostHeader.substring(colon + 1));
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
