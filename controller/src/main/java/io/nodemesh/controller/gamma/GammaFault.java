package io.nodemesh.controller.gamma;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.nodemesh.config.RouteRule;
import io.nodemesh.controller.common.Problem;
import io.nodemesh.controller.common.ProblemReason;
import java.util.List;
import java.util.Map;

/**
 * Fault injection on a GAMMA route, from the route's annotations (applied to each of its rules): a
 * fixed delay and an abort, each for a percentage of requests. Annotations rather than an
 * ExtensionRef CRD: one object to write, nothing more to install (docs/gateway-api.md, "Fault
 * injection").
 */
public final class GammaFault {
  public static final String DELAY = "nodemesh.io/fault-delay";
  public static final String DELAY_PERCENT = "nodemesh.io/fault-delay-percent";
  public static final String ABORT_STATUS = "nodemesh.io/fault-abort-status";
  public static final String ABORT_GRPC_STATUS = "nodemesh.io/fault-abort-grpc-status";
  public static final String ABORT_PERCENT = "nodemesh.io/fault-abort-percent";

  private GammaFault() {}

  /**
   * The fault of a route, or null when it has none or its annotations are wrong (reported: the
   * route then runs without fault injection rather than not at all).
   */
  static RouteRule.Fault of(HasMetadata route, List<Problem> problems) {
    Map<String, String> a = route.getMetadata().getAnnotations();
    if (a == null) {
      return null;
    }
    String key = DELAY;
    try {
      RouteRule.Fault.Delay delay = null;
      if (a.containsKey(DELAY)) {
        long millis = GammaRoutes.duration("metadata.annotations[" + DELAY + "]", a.get(DELAY));
        key = DELAY_PERCENT;
        delay = new RouteRule.Fault.Delay(millis, percent(a.get(DELAY_PERCENT)));
      }
      RouteRule.Fault.Abort abort = null;
      if (a.containsKey(ABORT_STATUS) || a.containsKey(ABORT_GRPC_STATUS)) {
        key = ABORT_STATUS;
        int status =
            a.containsKey(ABORT_STATUS) ? Integer.parseInt(a.get(ABORT_STATUS).trim()) : 503;
        key = ABORT_GRPC_STATUS;
        Integer grpc =
            a.containsKey(ABORT_GRPC_STATUS)
                ? Integer.valueOf(a.get(ABORT_GRPC_STATUS).trim())
                : null;
        key = ABORT_PERCENT;
        abort = new RouteRule.Fault.Abort(status, grpc, percent(a.get(ABORT_PERCENT)));
      }
      return delay == null && abort == null ? null : new RouteRule.Fault(delay, abort);
    } catch (IllegalArgumentException | NullPointerException e) {
      problems.add(
          new Problem(
              route.getKind(),
              route.getMetadata().getNamespace(),
              route.getMetadata().getName(),
              "metadata.annotations[" + key + "]",
              (e.getMessage() == null ? "invalid" : e.getMessage())
                  + "; the route runs without fault injection",
              ProblemReason.INVALID_SPEC));
      return null;
    }
  }

  /** A percentage, 100 when absent. */
  private static double percent(String v) {
    if (v == null) {
      return 100;
    }
    double p = Double.parseDouble(v.trim());
    if (!(p >= 0 && p <= 100)) {
      throw new IllegalArgumentException("'" + v + "' is not a percentage in 0..100");
    }
    return p;
  }
}
