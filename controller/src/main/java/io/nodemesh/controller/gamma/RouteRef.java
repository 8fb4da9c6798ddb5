package io.nodemesh.controller.gamma;

/**
 * A Gateway API route by kind and name, ordered as the spec orders routes whose rules tie: oldest
 * first ({@code creationTimestamp}), then by {@code namespace/name}.
 *
 * @param kind {@code HTTPRoute} or {@code GRPCRoute}
 * @param namespace its namespace
 * @param name its name
 * @param created its creationTimestamp as written (RFC 3339 sorts as text), "" when unset
 */
public record RouteRef(String kind, String namespace, String name, String created)
    implements Comparable<RouteRef> {

  @Override
  public int compareTo(RouteRef o) {
    int c = created.compareTo(o.created);
    if (c != 0) {
      return c;
    }
    c = (namespace + "/" + name).compareTo(o.namespace + "/" + o.name);
    return c != 0 ? c : kind.compareTo(o.kind);
  }

  /** {@code Kind namespace/name}, as explain and logs show it. */
  @Override
  public String toString() {
    return kind + " " + namespace + "/" + name;
  }
}
