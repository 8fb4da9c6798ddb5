package io.nodemesh.controller.gamma;

import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRouteStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteParentStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteParentStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.nodemesh.controller.topology.Topology;
import java.lang.System.Logger.Level;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Writes the mesh's {@code status.parents} entries of HTTPRoutes and GRPCRoutes (Gateway API
 * RouteParentStatus, {@code controllerName} {@value RouteStatus#CONTROLLER_NAME}). Entries of other
 * controllers (a Gateway implementation sharing the route) are kept. Only what differs is written;
 * a condition keeps its {@code lastTransitionTime} while its status stays the same. Call it on the
 * leader only.
 */
public final class RouteStatusWriter {
  private static final System.Logger LOG = System.getLogger(RouteStatusWriter.class.getName());

  private final KubernetesClient client;

  public RouteStatusWriter(KubernetesClient client) {
    this.client = Objects.requireNonNull(client, "client");
  }

  /**
   * Writes what changed; returns the number of routes written. A failed write is logged and left
   * for the next call.
   */
  public int write(Topology t, List<RouteStatus> statuses) {
    int written = 0;
    String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    for (RouteStatus s : statuses) {
      String key = Topology.key(s.route().namespace(), s.route().name());
      HasMetadata current =
          "GRPCRoute".equals(s.route().kind()) ? t.grpcRoutes().get(key) : t.httpRoutes().get(key);
      if (current == null) {
        continue;
      }
      List<RouteParentStatus> before = parentsOf(current);
      List<RouteParentStatus> after = desired(before, s, now);
      if (after.equals(before)) {
        continue;
      }
      try {
        HasMetadata copy = client.getKubernetesSerialization().clone(current);
        if (copy instanceof HTTPRoute h) {
          h.setStatus(new HTTPRouteStatus(after));
        } else if (copy instanceof GRPCRoute g) {
          g.setStatus(new GRPCRouteStatus(after));
        }
        client.resource(copy).updateStatus();
        written++;
      } catch (KubernetesClientException e) {
        // A conflict (the route changed meanwhile) or a refusal: the next compilation tries again.
        LOG.log(Level.INFO, "status of " + s.route() + " not written: " + e.getMessage());
      }
    }
    return written;
  }

  /** The parents list with ours replaced by {@code s}, others kept in place. */
  static List<RouteParentStatus> desired(
      List<RouteParentStatus> before, RouteStatus s, String now) {
    List<RouteParentStatus> out = new ArrayList<>();
    for (RouteParentStatus p : before) {
      if (!RouteStatus.CONTROLLER_NAME.equals(p.getControllerName())) {
        out.add(p);
      }
    }
    for (RouteStatus.Parent p : s.parents()) {
      RouteParentStatus old =
          before.stream()
              .filter(
                  b ->
                      RouteStatus.CONTROLLER_NAME.equals(b.getControllerName())
                          && Objects.equals(b.getParentRef(), p.ref()))
              .findFirst()
              .orElse(null);
      List<io.fabric8.kubernetes.api.model.Condition> conditions = new ArrayList<>();
      for (RouteStatus.Condition c : p.conditions()) {
        String status = c.status() ? "True" : "False";
        io.fabric8.kubernetes.api.model.Condition was =
            old == null || old.getConditions() == null
                ? null
                : old.getConditions().stream()
                    .filter(x -> c.type().equals(x.getType()))
                    .findFirst()
                    .orElse(null);
        String since =
            was != null && status.equals(was.getStatus()) && was.getLastTransitionTime() != null
                ? was.getLastTransitionTime()
                : now;
        conditions.add(
            new ConditionBuilder()
                .withType(c.type())
                .withStatus(status)
                .withReason(c.reason())
                .withMessage(truncate(c.message()))
                .withObservedGeneration(s.generation())
                .withLastTransitionTime(since)
                .build());
      }
      out.add(
          new RouteParentStatusBuilder()
              .withControllerName(RouteStatus.CONTROLLER_NAME)
              .withParentRef(p.ref())
              .withConditions(conditions)
              .build());
    }
    return out;
  }

  /** The Condition API bounds message at 32768 characters. */
  private static String truncate(String m) {
    return m.length() <= 1024 ? m : m.substring(0, 1024) + "...";
  }

  private static List<RouteParentStatus> parentsOf(HasMetadata o) {
    List<RouteParentStatus> p =
        switch (o) {
          case HTTPRoute h -> h.getStatus() == null ? null : h.getStatus().getParents();
          case GRPCRoute g -> g.getStatus() == null ? null : g.getStatus().getParents();
          default -> null;
        };
    return p == null ? List.of() : p;
  }
}
