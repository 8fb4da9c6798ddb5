package io.nodemesh.controller.gamma;

import io.fabric8.kubernetes.api.model.gatewayapi.v1.ParentReference;
import java.util.List;

/**
 * What the mesh says about one route: one entry per Service parent, as Gateway API {@code
 * status.parents} holds them (RouteParentStatus).
 *
 * @param route the route
 * @param generation the {@code metadata.generation} these conditions were computed from
 * @param parents one entry per Service parentRef, in the order the route lists them
 */
public record RouteStatus(RouteRef route, long generation, List<Parent> parents) {
  /** The controllerName Nodemesh writes in {@code status.parents[].controllerName}. */
  public static final String CONTROLLER_NAME = "nodemesh.io/mesh";

  public RouteStatus {
    parents = List.copyOf(parents);
  }

  /**
   * One parent's conditions.
   *
   * @param ref the parentRef as the route wrote it
   * @param conditions Accepted and ResolvedRefs, and PartiallyInvalid when some rules were dropped
   */
  public record Parent(ParentReference ref, List<Condition> conditions) {
    public Parent {
      conditions = List.copyOf(conditions);
    }

    /** The condition of {@code type}, or null. */
    public Condition condition(String type) {
      return conditions.stream().filter(c -> c.type().equals(type)).findFirst().orElse(null);
    }
  }

  /** A condition without its time and generation (the writer adds them). */
  public record Condition(String type, boolean status, String reason, String message) {}
}
