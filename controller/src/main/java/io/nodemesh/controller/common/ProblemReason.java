package io.nodemesh.controller.common;

import com.fasterxml.jackson.annotation.JsonValue;

/**
 * Why an object was (partly) skipped: the {@code reason} of its Kubernetes Event, of its log line,
 * of the {@code reason} tag of {@code nodemesh_controller_problems} and of {@code
 * /api/v1/problems}. One closed list, so that a reason is named once and a test or a dashboard can
 * rely on it; the Event reason is UpperCamelCase as Kubernetes Events use it (API conventions,
 * "Events").
 */
public enum ProblemReason {
  /** The object breaks a rule of its own spec (SMI validation, a port, a field). */
  INVALID_SPEC("InvalidSpec"),
  /** A {@code nodemesh.io/*} or Traefik Mesh annotation that does not parse. */
  INVALID_ANNOTATION("InvalidAnnotation"),
  /** A TrafficSplit's root Service does not exist. */
  SERVICE_NOT_FOUND("ServiceNotFound"),
  /** A TrafficSplit backend names a Service that does not exist. */
  BACKEND_NOT_FOUND("BackendNotFound"),
  /** A TrafficSplit backend lacks a port of the root Service. */
  PORT_MISSING("PortMissing"),
  /** All weights of a TrafficSplit are zero. */
  ZERO_WEIGHTS("ZeroWeights"),
  /** A backend with weight has no ready endpoint; its share goes to the others. */
  BACKEND_UNAVAILABLE("BackendUnavailable"),
  /** A second TrafficSplit for the same root Service. */
  DUPLICATE_SPLIT("DuplicateSplit"),
  /** A split's match names an HTTPRouteGroup (or TCPRoute/UDPRoute) that does not exist. */
  ROUTE_GROUP_NOT_FOUND("RouteGroupNotFound"),
  /** The proxy port range of a protocol is full. */
  PORTS_EXHAUSTED("PortRangeExhausted"),
  /** Two Service ports that cannot share a listener. */
  PORT_CONFLICT("PortConflict"),
  /** An endpoint whose address is not a Pod of its Service (EndpointSlice deputy attack). */
  ENDPOINT_NOT_A_POD("EndpointNotAPod"),
  /** A TrafficTarget rule names a route that does not exist. */
  ROUTE_NOT_FOUND("RouteNotFound"),
  /** A TrafficTarget rule names a match its route does not have. */
  MATCH_NOT_FOUND("MatchNotFound"),
  /** A TrafficTarget rule names a Service port where SMI means a pod port. */
  SERVICE_PORT_IN_RULE("ServicePortInRule"),
  /** Compiling one object threw; that object is skipped, the rest compiled. */
  COMPILE_FAILED("CompileFailed"),
  /** Two Services whose shadow Services would have the same name; the older one keeps it. */
  SHADOW_NAME_COLLISION("ShadowNameCollision"),
  /** A TrafficSplit on a Service that Gateway API routes already route (issue 17). */
  OVERRIDDEN_BY_ROUTE("OverriddenByRoute"),
  /** A Gateway API route field or value the mesh does not support (Gateway API's reason). */
  UNSUPPORTED_VALUE("UnsupportedValue"),
  /** A Gateway API reference to a kind the mesh cannot use. */
  INVALID_KIND("InvalidKind"),
  /** A Gateway API reference to another namespace without permission. */
  REF_NOT_PERMITTED("RefNotPermitted"),
  /** A Gateway API route whose parentRefs name no Service of the mesh. */
  NO_MATCHING_PARENT("NoMatchingParent"),
  /** An object the controller would write exists and was not written by Nodemesh (issue 14). */
  NOT_MANAGED("NotManagedByNodemesh");

  private final String eventReason;

  ProblemReason(String eventReason) {
    this.eventReason = eventReason;
  }

  /** The reason as Kubernetes Events, logs, metrics and the problems API spell it. */
  @JsonValue
  public String eventReason() {
    return eventReason;
  }

  /**
   * The reason spelt {@code eventReason}, for the Gateway API code that shares its status condition
   * reasons with Problems.
   *
   * @throws IllegalArgumentException for a spelling no constant has
   */
  public static ProblemReason ofEventReason(String eventReason) {
    for (ProblemReason r : values()) {
      if (r.eventReason.equals(eventReason)) {
        return r;
      }
    }
    throw new IllegalArgumentException("no problem reason " + eventReason);
  }

  /** The {@link #eventReason()}, so that a log line reads as before the enum. */
  @Override
  public String toString() {
    return eventReason;
  }
}
