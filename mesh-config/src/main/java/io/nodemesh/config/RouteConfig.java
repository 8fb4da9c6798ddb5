package io.nodemesh.config;

import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Where a listener sends traffic.
 *
 * <ul>
 *   <li>{@code split} empty: everything goes to {@code root}, the Service's own endpoints.
 *   <li>{@code split} set, {@code matches} empty: everything is split by weight.
 *   <li>both set: requests matching any of {@code matches} are split, the rest go to {@code root}.
 * </ul>
 *
 * @param root the called Service itself, with its own endpoints
 * @param split the TrafficSplit backends, or empty
 * @param matches the TrafficSplit's HTTPRouteGroup matches, or empty for "all requests"
 * @param splitName "namespace/name" of the TrafficSplit in force, or null
 */
public record RouteConfig(
    BackendConfig root,
    List<BackendConfig> split,
    List<HttpMatch> matches,
    @Nullable String splitName) {
  public RouteConfig {
    Objects.requireNonNull(root, "route root");
    split = split == null ? List.of() : List.copyOf(split);
    matches = matches == null ? List.of() : List.copyOf(matches);
  }

  /** A route with no split: all traffic to the Service's own endpoints. */
  public static RouteConfig direct(BackendConfig root) {
    return new RouteConfig(root, List.of(), List.of(), null);
  }
}
