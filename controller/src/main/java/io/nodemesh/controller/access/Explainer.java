package io.nodemesh.controller.access;

import io.fabric8.kubernetes.api.model.Pod;
import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.EndpointConfig;
import io.nodemesh.config.HttpMatch;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.config.RouteMatcher;
import io.nodemesh.config.RouteRule;
import io.nodemesh.config.access.AccessDecision;
import io.nodemesh.config.access.AccessPolicy;
import io.nodemesh.config.access.HttpMatcher;
import io.nodemesh.config.access.RequestView;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiFunction;

/**
 * Explains one request against the config being served, with the same evaluator the proxies run
 * ({@link AccessPolicy}), so the explanation and the proxy cannot disagree on the decision.
 */
public final class Explainer {
  private Explainer() {}

  /** A question the user got wrong: named pod or service missing, malformed value. */
  public static final class NotFound extends RuntimeException {
    public NotFound(String message) {
      super(message);
    }
  }

  /**
   * Explains.
   *
   * @param config the config in force
   * @param pods looks a pod up by namespace and name, null when unknown
   * @param from {@code namespace/pod}, or an IP literal
   * @param to {@code name.namespace[.domain][:port]}
   * @param method HTTP method (default GET)
   * @param path HTTP path (default /)
   * @param headers request headers
   * @throws NotFound naming what could not be found
   */
  public static Explanation explain(
      MeshConfig config,
      BiFunction<String, String, Pod> pods,
      String from,
      String to,
      String method,
      String path,
      Map<String, List<String>> headers) {
    return explain(
        config, AccessPolicy.compile(config.access()), pods, from, to, method, path, headers);
  }

  /**
   * As above, with {@code policy} already compiled from {@code config.access()} (the API compiles
   * it once per config version, not once per question).
   */
  public static Explanation explain(
      MeshConfig config,
      AccessPolicy policy,
      BiFunction<String, String, Pod> pods,
      String from,
      String to,
      String method,
      String path,
      Map<String, List<String>> headers) {
    if (from == null || from.isBlank()) {
      throw new NotFound("from is required: namespace/pod or a source IP");
    }
    if (to == null || to.isBlank()) {
      throw new NotFound("to is required: name.namespace." + config.meshDomain() + "[:port]");
    }
    String ip = sourceIp(from.trim(), pods);
    InetAddress peer;
    try {
      peer = AccessPolicy.ipLiteral(ip);
    } catch (IllegalArgumentException e) {
      throw new NotFound("source '" + from + "' has IP '" + ip + "', which is not an IP literal");
    }
    ListenerConfig l = listener(config, to.trim());
    RequestView request = l.protocol().servesHttp() ? RequestView.of(method, path, headers) : null;
    // As the proxy decides: per serving pod (issue 17).
    AccessPolicy.Admission admitted = policy.admit(l.key(), l.protocol(), peer, request);
    AccessDecision d = admitted.decision();
    String requestLine = request == null ? null : request.method() + " " + request.path();
    String source = policy.enabled() ? policy.identityOf(peer) : null;
    return switch (d) {
      case AccessDecision.Deny deny ->
          new Explanation(
              config.version(),
              true,
              from,
              ip,
              source,
              l.key(),
              l.protocol().wireName(),
              requestLine,
              false,
              deny.reason().label(),
              deny.message(),
              null,
              null,
              null,
              null,
              List.of(),
              null,
              List.of(),
              MtlsExplain.caveats(config.tunnel(), l.namespace()));
      case AccessDecision.Allow a -> {
        RouteConfig r = l.route();
        // Gateway API rules (GAMMA) replace the split on an HTTP listener: the first rule that
        // matches decides, none matching is a 404 (docs/gateway-api.md).
        boolean byRules = !r.rules().isEmpty() && request != null;
        RouteRule taken = byRules ? ruleTaken(r.rules(), request, path, headers) : null;
        boolean split = !byRules && !r.split().isEmpty() && splitApplies(r.matches(), request);
        List<Explanation.Backend> backends = new ArrayList<>();
        List<BackendConfig> targets =
            byRules
                ? (taken == null ? List.of() : taken.backends())
                : split ? r.split() : List.of(r.root());
        for (BackendConfig b : targets) {
          backends.add(
              new Explanation.Backend(
                  b.service(),
                  b.weight(),
                  b.endpoints().stream()
                      .filter(EndpointConfig::ready)
                      .filter(
                          e ->
                              admitted.pods() == null
                                  || admitted.pods().test(AccessPolicy.ipLiteral(e.ip())))
                      .map(EndpointConfig::authority)
                      .toList()));
        }
        String message =
            !policy.enabled()
                ? "ACL mode is off; every source may call " + l.key()
                : "TrafficTarget "
                    + a.trafficTarget()
                    + " allows sa "
                    + source
                    + " ("
                    + a.rule()
                    + (a.match() == null ? "" : ", match " + a.match())
                    + ")";
        List<Explanation.Hop> hops = new ArrayList<>();
        if (MtlsExplain.inPlay(config.tunnel())) {
          for (Explanation.Backend b : backends) {
            for (String e : b.endpoints()) {
              hops.add(MtlsExplain.hop(config.tunnel(), peer.getHostAddress(), e));
            }
          }
        }
        yield new Explanation(
            config.version(),
            policy.enabled(),
            from,
            ip,
            source,
            l.key(),
            l.protocol().wireName(),
            requestLine,
            true,
            null,
            message,
            a.trafficTarget(),
            a.rule(),
            a.match(),
            split ? r.splitName() : null,
            backends,
            !byRules ? null : taken == null ? Explanation.NO_RULE : taken.name(),
            hops,
            MtlsExplain.caveats(config.tunnel(), l.namespace()));
      }
    };
  }

  /**
   * The Gateway API rule the proxy gives the request, with the proxy's own evaluator ({@link
   * RouteMatcher}), or null when none matches (404). The path is the canonical one {@code request}
   * holds; the query is compared as sent.
   */
  private static RouteRule ruleTaken(
      List<RouteRule> rules, RequestView request, String target, Map<String, List<String>> given) {
    Map<String, String> first = new TreeMap<>();
    if (given != null) {
      given.forEach(
          (k, v) -> {
            if (!v.isEmpty()) {
              first.putIfAbsent(k.toLowerCase(Locale.ROOT), v.get(0));
            }
          });
    }
    String uri = target == null || target.isEmpty() ? "/" : target;
    List<RouteMatcher[]> matchers = rules.stream().map(RouteMatcher::of).toList();
    int i =
        RouteMatcher.firstRule(
            matchers, request.method(), request.path(), uri, first, (h, name) -> h.get(name));
    return i < 0 ? null : rules.get(i);
  }

  /** The same rule as the proxy: no matches means all requests; TCP and UDP ignore matches. */
  private static boolean splitApplies(List<HttpMatch> matches, RequestView request) {
    if (matches.isEmpty()) {
      return true;
    }
    if (request == null) {
      // A connection carries no request: it matches no HTTP match and goes to the root.
      return false;
    }
    for (HttpMatch m : matches) {
      if (new HttpMatcher(m).matches(request)) {
        return true;
      }
    }
    return false;
  }

  private static String sourceIp(String from, BiFunction<String, String, Pod> pods) {
    int slash = from.indexOf('/');
    if (slash < 0) {
      return from;
    }
    String ns = from.substring(0, slash);
    String name = from.substring(slash + 1);
    Pod pod = pods.apply(ns, name);
    if (pod == null) {
      throw new NotFound("pod '" + from + "' not found");
    }
    if (pod.getStatus() == null || pod.getStatus().getPodIP() == null) {
      throw new NotFound("pod '" + from + "' has no IP yet (status.podIP)");
    }
    return pod.getStatus().getPodIP();
  }

  /** Resolves {@code name.namespace[.domain][:port]} like the entry port does. */
  static ListenerConfig listener(MeshConfig config, String to) {
    String host = to.toLowerCase(Locale.ROOT);
    int port = -1;
    int colon = host.lastIndexOf(':');
    if (colon >= 0) {
      try {
        port = Integer.parseInt(host.substring(colon + 1));
      } catch (NumberFormatException e) {
        throw new NotFound("to '" + to + "': port is not a number");
      }
      host = host.substring(0, colon);
    }
    if (host.endsWith(".")) {
      host = host.substring(0, host.length() - 1);
    }
    String suffix = "." + config.meshDomain().toLowerCase(Locale.ROOT);
    if (host.endsWith(suffix)) {
      host = host.substring(0, host.length() - suffix.length());
    }
    String[] parts = host.split("\\.");
    if (parts.length != 2) {
      throw new NotFound(
          "to '" + to + "' is not name.namespace." + config.meshDomain() + "[:port]");
    }
    TreeMap<Integer, ListenerConfig> ports = new TreeMap<>();
    for (ListenerConfig l : config.listeners()) {
      if (l.service().equalsIgnoreCase(parts[0]) && l.namespace().equalsIgnoreCase(parts[1])) {
        ports.put(l.port(), l);
      }
    }
    if (ports.isEmpty()) {
      throw new NotFound("no meshed service " + parts[1] + "/" + parts[0]);
    }
    if (port >= 0) {
      ListenerConfig l = ports.get(port);
      if (l == null) {
        throw new NotFound(
            "service "
                + parts[1]
                + "/"
                + parts[0]
                + " has no meshed port "
                + port
                + " (ports "
                + ports.keySet()
                + ")");
      }
      return l;
    }
    if (ports.containsKey(80)) {
      return ports.get(80);
    }
    if (ports.size() == 1) {
      return ports.firstEntry().getValue();
    }
    throw new NotFound(
        "service " + parts[1] + "/" + parts[0] + " has ports " + ports.keySet() + "; add one");
  }
}
