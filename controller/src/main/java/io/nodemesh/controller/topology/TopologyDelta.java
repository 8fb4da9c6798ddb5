package io.nodemesh.controller.topology;

import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.function.BiPredicate;

/**
 * What differs between two topologies, by object identity: sources replace a changed object and
 * never modify one, so the same object means unchanged. Maps that are the very same instance (as
 * {@link TopologyIndexer} keeps them when their kind did not change) cost nothing to compare; other
 * maps are walked once, side by side, in key order.
 *
 * @param services keys of Services added, removed or replaced
 * @param slices keys of Services whose list of EndpointSlices changed
 * @param namespaces names of Namespaces added, removed or replaced
 * @param trafficSplits whether any TrafficSplit changed
 * @param httpRouteGroups whether any HTTPRouteGroup changed
 * @param otherSmi whether any TCPRoute, UDPRoute or TrafficTarget changed
 * @param pods whether the pod identity table may have changed (it is not a map of the previous
 *     topology; not compared entry by entry)
 * @param gatewayRoutes whether any Gateway API HTTPRoute or GRPCRoute changed
 */
public record TopologyDelta(
    Set<String> services,
    Set<String> slices,
    Set<String> namespaces,
    boolean trafficSplits,
    boolean httpRouteGroups,
    boolean otherSmi,
    boolean pods,
    boolean gatewayRoutes) {

  public TopologyDelta {
    services = Set.copyOf(services);
    slices = Set.copyOf(slices);
    namespaces = Set.copyOf(namespaces);
  }

  /** What changed from {@code before} to {@code after}. */
  public static TopologyDelta between(Topology before, Topology after) {
    return new TopologyDelta(
        changedKeys(before.services(), after.services(), (a, b) -> a == b),
        changedKeys(before.slicesByService(), after.slicesByService(), TopologyDelta::sameObjects),
        changedKeys(before.namespaces(), after.namespaces(), (a, b) -> a == b),
        !sameObjects(before.trafficSplits(), after.trafficSplits()),
        !changedKeys(before.httpRouteGroups(), after.httpRouteGroups(), (a, b) -> a == b).isEmpty(),
        !changedKeys(before.tcpRoutes(), after.tcpRoutes(), (a, b) -> a == b).isEmpty()
            || !changedKeys(before.udpRoutes(), after.udpRoutes(), (a, b) -> a == b).isEmpty()
            || !changedKeys(before.trafficTargets(), after.trafficTargets(), (a, b) -> a == b)
                .isEmpty(),
        // Not walked: at 100,000 pods that cost more than all the rest of a change.
        before.podsByIp() != after.podsByIp(),
        !changedKeys(before.httpRoutes(), after.httpRoutes(), (a, b) -> a == b).isEmpty()
            || !changedKeys(before.grpcRoutes(), after.grpcRoutes(), (a, b) -> a == b).isEmpty());
  }

  /** Whether nothing changed. */
  public boolean isEmpty() {
    return services.isEmpty()
        && slices.isEmpty()
        && namespaces.isEmpty()
        && !trafficSplits
        && !httpRouteGroups
        && !otherSmi
        && !pods
        && !gatewayRoutes;
  }

  /** Keys present in only one of two sorted maps, or whose values are not {@code same}. */
  public static <V> Set<String> changedKeys(
      SortedMap<String, V> a, SortedMap<String, V> b, BiPredicate<V, V> same) {
    Set<String> out = new HashSet<>();
    if (a == b) {
      return out;
    }
    Iterator<Map.Entry<String, V>> ia = a.entrySet().iterator();
    Iterator<Map.Entry<String, V>> ib = b.entrySet().iterator();
    Map.Entry<String, V> ea = ia.hasNext() ? ia.next() : null;
    Map.Entry<String, V> eb = ib.hasNext() ? ib.next() : null;
    while (ea != null || eb != null) {
      int c = ea == null ? 1 : eb == null ? -1 : ea.getKey().compareTo(eb.getKey());
      if (c < 0) {
        out.add(ea.getKey());
        ea = ia.hasNext() ? ia.next() : null;
      } else if (c > 0) {
        out.add(eb.getKey());
        eb = ib.hasNext() ? ib.next() : null;
      } else {
        if (!same.test(ea.getValue(), eb.getValue())) {
          out.add(ea.getKey());
        }
        ea = ia.hasNext() ? ia.next() : null;
        eb = ib.hasNext() ? ib.next() : null;
      }
    }
    return out;
  }

  /** Same size and the very same objects in the same order. */
  public static <T> boolean sameObjects(List<T> a, List<T> b) {
    if (a == b) {
      return true;
    }
    if (a.size() != b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      if (a.get(i) != b.get(i)) {
        return false;
      }
    }
    return true;
  }
}
