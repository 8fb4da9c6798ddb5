package io.nodemesh.controller.topology;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.nodemesh.controller.common.Problem;
import io.nodemesh.controller.source.SourceSnapshot;
import io.nodemesh.smi.HTTPRouteGroup;
import io.nodemesh.smi.TCPRoute;
import io.nodemesh.smi.TrafficSplit;
import io.nodemesh.smi.TrafficTarget;
import io.nodemesh.smi.UDPRoute;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * An immutable, indexed snapshot of what the mesh is built from. Maps are keyed by {@code
 * namespace/name} and sorted, so everything computed from a topology comes out in the same order on
 * every replica. The fabric8 objects inside are shared with the source cache and never modified; a
 * change builds a new topology.
 *
 * @param services every Service by {@code namespace/name}
 * @param slicesByService EndpointSlices by the {@code namespace/name} of the Service they belong to
 *     (label {@code kubernetes.io/service-name})
 * @param namespaces Namespaces by name
 * @param podsByIp live Pods by pod IP, for identifying callers (see {@link #podsByIp(List)})
 * @param trafficSplits TrafficSplits, oldest first (creationTimestamp, then namespace/name)
 * @param httpRouteGroups HTTPRouteGroups by {@code namespace/name}
 * @param tcpRoutes TCPRoutes by {@code namespace/name}
 * @param udpRoutes UDPRoutes by {@code namespace/name}
 * @param trafficTargets TrafficTargets by {@code namespace/name}
 * @param sourceProblems problems the source reported (files that do not parse)
 * @param httpRoutes Gateway API HTTPRoutes by {@code namespace/name} (GAMMA, docs/gateway-api.md)
 * @param grpcRoutes Gateway API GRPCRoutes by {@code namespace/name}
 */
public record Topology(
    SortedMap<String, Service> services,
    SortedMap<String, List<EndpointSlice>> slicesByService,
    SortedMap<String, Namespace> namespaces,
    SortedMap<String, Pod> podsByIp,
    List<TrafficSplit> trafficSplits,
    SortedMap<String, HTTPRouteGroup> httpRouteGroups,
    SortedMap<String, TCPRoute> tcpRoutes,
    SortedMap<String, UDPRoute> udpRoutes,
    SortedMap<String, TrafficTarget> trafficTargets,
    List<Problem> sourceProblems,
    SortedMap<String, HTTPRoute> httpRoutes,
    SortedMap<String, GRPCRoute> grpcRoutes) {

  /** The label that ties an EndpointSlice to its Service. */
  public static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";

  public Topology {
    services = frozen(services);
    slicesByService = frozen(slicesByService);
    namespaces = frozen(namespaces);
    podsByIp = frozen(podsByIp);
    trafficSplits = trafficSplits == null ? List.of() : List.copyOf(trafficSplits);
    httpRouteGroups = frozen(httpRouteGroups);
    tcpRoutes = frozen(tcpRoutes);
    udpRoutes = frozen(udpRoutes);
    trafficTargets = frozen(trafficTargets);
    sourceProblems = sourceProblems == null ? List.of() : List.copyOf(sourceProblems);
    httpRoutes = frozen(httpRoutes);
    grpcRoutes = frozen(grpcRoutes);
  }

  public static Topology empty() {
    return from(SourceSnapshot.empty(), List.of());
  }

  /** Indexes a source snapshot. */
  public static Topology from(SourceSnapshot s, List<Problem> sourceProblems) {
    return new Topology(
        byKey(s.services()),
        slicesByService(s.endpointSlices()),
        index(s.namespaces(), n -> n.getMetadata().getName()),
        podsByIp(s.pods()),
        sortedSplits(s.trafficSplits()),
        byKey(s.httpRouteGroups()),
        byKey(s.tcpRoutes()),
        byKey(s.udpRoutes()),
        byKey(s.trafficTargets()),
        sourceProblems,
        byKey(s.httpRoutes()),
        byKey(s.grpcRoutes()));
  }

  /**
   * EndpointSlices by the {@code namespace/name} of their Service (label {@value
   * #SERVICE_NAME_LABEL}), each list sorted by the slices' {@code namespace/name}.
   */
  static SortedMap<String, List<EndpointSlice>> slicesByService(List<EndpointSlice> all) {
    SortedMap<String, List<EndpointSlice>> slices = new TreeMap<>();
    for (EndpointSlice slice : all) {
      String svc = serviceOf(slice);
      if (svc != null) {
        slices.computeIfAbsent(svc, k -> new ArrayList<>()).add(slice);
      }
    }
    slices.replaceAll(
        (k, v) -> v.stream().sorted(Comparator.comparing((EndpointSlice e) -> key(e))).toList());
    return slices;
  }

  /** The {@code namespace/name} of the Service a slice belongs to, or null. */
  static String serviceOf(EndpointSlice slice) {
    Map<String, String> labels = slice.getMetadata().getLabels();
    String svc = labels == null ? null : labels.get(SERVICE_NAME_LABEL);
    return svc == null ? null : key(slice.getMetadata().getNamespace(), svc);
  }

  /** TrafficSplits oldest first (creationTimestamp, then namespace/name). */
  static List<TrafficSplit> sortedSplits(List<TrafficSplit> all) {
    List<TrafficSplit> splits = new ArrayList<>(all);
    splits.sort(
        Comparator.comparing(
                (TrafficSplit t) ->
                    Objects.requireNonNullElse(t.getMetadata().getCreationTimestamp(), ""))
            .thenComparing((TrafficSplit t) -> key(t)));
    return List.copyOf(splits);
  }

  /**
   * The pods whose IP identifies them: running under their own IP (not host network), not
   * terminating (no deletionTimestamp) and not finished (phase Succeeded or Failed). A pod IP can
   * only be handed to a new pod after the old pod's termination began, and that event comes first
   * in the Pods watch, so an IP is dropped here before it can change hands. An IP that two such
   * pods claim (a stale cache) identifies neither. See docs/access-control.md.
   */
  public static SortedMap<String, Pod> podsByIp(List<Pod> all) {
    SortedMap<String, Pod> pods = new TreeMap<>();
    Set<String> ambiguous = new HashSet<>();
    for (Pod p : all) {
      if (!identifies(p)) {
        continue;
      }
      String ip = p.getStatus().getPodIP();
      if (pods.putIfAbsent(ip, p) != null) {
        ambiguous.add(ip);
      }
    }
    ambiguous.forEach(pods::remove);
    return pods;
  }

  /** Whether a pod with an IP may identify callers (see {@link #podsByIp(List)}). */
  static boolean identifies(Pod p) {
    if (p.getStatus() == null || p.getStatus().getPodIP() == null) {
      return false;
    }
    if (p.getMetadata().getDeletionTimestamp() != null) {
      return false;
    }
    if (p.getSpec() != null && Boolean.TRUE.equals(p.getSpec().getHostNetwork())) {
      return false;
    }
    String phase = p.getStatus().getPhase();
    return !"Succeeded".equals(phase) && !"Failed".equals(phase);
  }

  /** {@code namespace/name}. */
  public static String key(String namespace, String name) {
    return namespace + "/" + name;
  }

  /** {@code namespace/name} of an object. */
  public static String key(HasMetadata o) {
    return key(o.getMetadata().getNamespace(), o.getMetadata().getName());
  }

  /** The Service {@code namespace/name}, if any. */
  public Service service(String namespace, String name) {
    return services.get(key(namespace, name));
  }

  /** The EndpointSlices of a Service, possibly none. */
  public List<EndpointSlice> slices(String namespace, String service) {
    return slicesByService.getOrDefault(key(namespace, service), List.of());
  }

  private static <T extends HasMetadata> SortedMap<String, T> byKey(List<T> objects) {
    return index(objects, Topology::key);
  }

  private static <T> SortedMap<String, T> index(List<T> objects, Function<T, String> key) {
    SortedMap<String, T> m = new TreeMap<>();
    for (T o : objects) {
      m.put(key.apply(o), o);
    }
    return m;
  }

  private static <V> SortedMap<String, V> frozen(SortedMap<String, V> m) {
    return FrozenMap.of(m);
  }
}
