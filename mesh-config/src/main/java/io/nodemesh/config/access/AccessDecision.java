package io.nodemesh.config.access;

import java.util.Locale;
import org.jspecify.annotations.Nullable;

/** The outcome of an access check. */
public sealed interface AccessDecision {

  /** Why a request was denied; the label value of the denial metric, so a closed set. */
  enum Reason {
    /** The source IP belongs to no known live pod. */
    UNKNOWN_SOURCE,
    /** No pod with a known service account serves the destination. */
    UNKNOWN_DESTINATION,
    /** No TrafficTarget allows this source to do this. */
    NOT_ALLOWED;

    /** {@code unknown_source}, {@code unknown_destination}, {@code not_allowed}. */
    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * Allowed.
   *
   * @param trafficTarget the TrafficTarget that allowed it, or null when ACL mode is off
   * @param rule the rule that allowed it, or null
   * @param match the HTTP match that allowed it ({@code group/match}), or null for an L4 rule
   */
  record Allow(@Nullable String trafficTarget, @Nullable String rule, @Nullable String match)
      implements AccessDecision {
    /** What ACL mode off answers. */
    public static final Allow OPEN = new Allow(null, null, null);
  }

  /**
   * Denied.
   *
   * @param source the caller's service account, or null when unknown
   * @param reason the bounded reason
   * @param message one line for the caller and the logs
   */
  record Deny(@Nullable String source, Reason reason, String message) implements AccessDecision {}
}
