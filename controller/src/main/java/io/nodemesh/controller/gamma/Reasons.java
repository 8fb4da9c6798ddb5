package io.nodemesh.controller.gamma;

/** Condition types and reasons as the Gateway API defines them for routes (v1.2). */
public final class Reasons {
  public static final String ACCEPTED = "Accepted";
  public static final String RESOLVED_REFS = "ResolvedRefs";
  public static final String PARTIALLY_INVALID = "PartiallyInvalid";

  public static final String NO_MATCHING_PARENT = "NoMatchingParent";
  public static final String UNSUPPORTED_VALUE = "UnsupportedValue";
  public static final String BACKEND_NOT_FOUND = "BackendNotFound";
  public static final String REF_NOT_PERMITTED = "RefNotPermitted";
  public static final String INVALID_KIND = "InvalidKind";

  /** Nodemesh's own reason for a TrafficSplit that an HTTPRoute on the same Service overrides. */
  public static final String OVERRIDDEN_BY_ROUTE = "OverriddenByRoute";

  private Reasons() {}
}
