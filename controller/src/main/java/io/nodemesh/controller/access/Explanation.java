package io.nodemesh.controller.access;

import java.util.List;

/**
 * What the mesh would do with one request, as {@code GET /api/v1/explain} answers and {@code
 * nodemesh explain} prints it.
 *
 * @param configVersion the config the answer is computed from
 * @param acl whether ACL mode is on
 * @param from what {@code --from} named ({@code namespace/pod} or an IP)
 * @param sourceIp the source IP the proxy would see
 * @param sourceServiceAccount the identity that IP has in the config, or null
 * @param listener the listener called, {@code namespace/service:port}
 * @param protocol http, tcp or udp
 * @param request e.g. {@code GET /admin}, or null for tcp and udp
 * @param allowed the decision
 * @param reason null when allowed, else {@code unknown_source}, {@code unknown_destination} or
 *     {@code not_allowed} (the metric label)
 * @param message the 403 body line when denied; a sentence naming what allowed it otherwise
 * @param trafficTarget the TrafficTarget that allowed it, or null
 * @param rule the rule that allowed it, or null
 * @param match the HTTP match that allowed it, or null
 * @param split the TrafficSplit routing it ({@code namespace/name}), or null when it goes to the
 *     Service itself
 * @param backends where it may go, with weights and ready endpoints
 * @param routeRule the Gateway API rule that takes it ({@code namespace/name#index}), {@link
 *     #NO_RULE} when the listener has rules and none matches (the proxy answers 404), or null when
 *     no Gateway API route is attached
 * @param hops per ready endpoint: the identity the mesh judges the call by and where the decision
 *     is made (issue 14); empty when denied
 * @param caveats what strict mode's NetworkPolicy in the destination's namespace cannot block;
 *     empty when that namespace is not strict
 */
public record Explanation(
    long configVersion,
    boolean acl,
    String from,
    String sourceIp,
    String sourceServiceAccount,
    String listener,
    String protocol,
    String request,
    boolean allowed,
    String reason,
    String message,
    String trafficTarget,
    String rule,
    String match,
    String split,
    List<Backend> backends,
    String routeRule,
    List<Hop> hops,
    List<String> caveats) {

  /** {@link #routeRule} when rules are attached and none matches. */
  public static final String NO_RULE = "none (404)";

  public Explanation {
    backends = backends == null ? List.of() : List.copyOf(backends);
    hops = hops == null ? List.of() : List.copyOf(hops);
    caveats = caveats == null ? List.of() : List.copyOf(caveats);
  }

  /**
   * How a call reaches one endpoint.
   *
   * @param endpoint {@code ip:port}
   * @param node the endpoint's node, or null when the tunnel table does not know the pod
   * @param mode the mTLS mode of the endpoint's namespace ({@code off} when unknown)
   * @param identity the SPIFFE ID the call is judged by, {@code source IP <ip>}, or {@code none}
   * @param decidedAt where the access decision is made (or why the call is refused)
   */
  public record Hop(String endpoint, String node, String mode, String identity, String decidedAt) {}

  /**
   * One backend Service a request may reach.
   *
   * @param service the Service
   * @param weight its split weight (1 for the Service itself)
   * @param endpoints its ready endpoints, {@code ip:port}
   */
  public record Backend(String service, int weight, List<String> endpoints) {
    public Backend {
      endpoints = endpoints == null ? List.of() : List.copyOf(endpoints);
    }
  }

  /** Lines for a terminal. */
  public String render() {
    StringBuilder b = new StringBuilder();
    b.append(allowed ? "ALLOWED" : "DENIED").append(": ").append(message).append('\n');
    b.append("  source:      ")
        .append(from)
        .append(" (ip ")
        .append(sourceIp)
        .append(", sa ")
        .append(sourceServiceAccount == null ? "unknown" : sourceServiceAccount)
        .append(")\n");
    b.append("  destination: ")
        .append(listener)
        .append(" (")
        .append(protocol)
        .append(request == null ? "" : ", " + request)
        .append(")\n");
    if (!acl) {
      b.append("  acl:         off (every source is allowed)\n");
    }
    if (trafficTarget != null) {
      b.append("  allowed by:  TrafficTarget ")
          .append(trafficTarget)
          .append(", rule ")
          .append(rule)
          .append(match == null ? "" : ", match " + match)
          .append('\n');
    }
    if (!allowed) {
      b.append("  reason:      ").append(reason).append('\n');
      b.append("  (a denied request is not routed)\n");
    } else {
      b.append("  route:       ")
          .append(
              routeRule != null
                  ? "Gateway API rule " + routeRule
                  : split == null ? "the Service itself" : "TrafficSplit " + split)
          .append('\n');
      for (Backend be : backends) {
        b.append("    ")
            .append(be.service())
            .append(" weight ")
            .append(be.weight())
            .append(": ")
            .append(
                be.endpoints().isEmpty()
                    ? "no ready endpoint (503)"
                    : String.join(", ", be.endpoints()))
            .append('\n');
      }
      for (Hop h : hops) {
        b.append("  mtls ")
            .append(h.endpoint())
            .append(h.node() == null ? "" : " on " + h.node())
            .append(" (")
            .append(h.mode())
            .append("): as ")
            .append(h.identity())
            .append(", decided at ")
            .append(h.decidedAt())
            .append('\n');
      }
    }
    for (String c : caveats) {
      b.append("  caveat:      ").append(c).append('\n');
    }
    return b.toString();
  }
}
