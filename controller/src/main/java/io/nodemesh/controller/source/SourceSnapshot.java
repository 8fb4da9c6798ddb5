package io.nodemesh.controller.source;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.nodemesh.smi.HTTPRouteGroup;
import io.nodemesh.smi.TCPRoute;
import io.nodemesh.smi.TrafficSplit;
import io.nodemesh.smi.TrafficTarget;
import io.nodemesh.smi.UDPRoute;
import java.util.ArrayList;
import java.util.List;

/**
 * The raw objects a source holds at one moment. The lists are copies; the objects are shared with
 * the source's cache and must not be modified.
 */
public record SourceSnapshot(
    List<Service> services,
    List<EndpointSlice> endpointSlices,
    List<Pod> pods,
    List<Namespace> namespaces,
    List<TrafficSplit> trafficSplits,
    List<HTTPRouteGroup> httpRouteGroups,
    List<TCPRoute> tcpRoutes,
    List<UDPRoute> udpRoutes,
    List<TrafficTarget> trafficTargets,
    List<HTTPRoute> httpRoutes,
    List<GRPCRoute> grpcRoutes) {

  /** A snapshot without Gateway API routes (sources and tests that predate them). */
  public SourceSnapshot(
      List<Service> services,
      List<EndpointSlice> endpointSlices,
      List<Pod> pods,
      List<Namespace> namespaces,
      List<TrafficSplit> trafficSplits,
      List<HTTPRouteGroup> httpRouteGroups,
      List<TCPRoute> tcpRoutes,
      List<UDPRoute> udpRoutes,
      List<TrafficTarget> trafficTargets) {
    this(
        services,
        endpointSlices,
        pods,
        namespaces,
        trafficSplits,
        httpRouteGroups,
        tcpRoutes,
        udpRoutes,
        trafficTargets,
        null,
        null);
  }

  public SourceSnapshot {
    services = copy(services);
    endpointSlices = copy(endpointSlices);
    pods = copy(pods);
    namespaces = copy(namespaces);
    trafficSplits = copy(trafficSplits);
    httpRouteGroups = copy(httpRouteGroups);
    tcpRoutes = copy(tcpRoutes);
    udpRoutes = copy(udpRoutes);
    trafficTargets = copy(trafficTargets);
    httpRoutes = copy(httpRoutes);
    grpcRoutes = copy(grpcRoutes);
  }

  public static SourceSnapshot empty() {
    return new SourceSnapshot(null, null, null, null, null, null, null, null, null);
  }

  /** Sorts a flat list of objects into a snapshot; kinds it does not know are ignored. */
  public static SourceSnapshot of(List<? extends HasMetadata> objects) {
    List<Service> services = new ArrayList<>();
    List<EndpointSlice> slices = new ArrayList<>();
    List<Pod> pods = new ArrayList<>();
    List<Namespace> namespaces = new ArrayList<>();
    List<TrafficSplit> splits = new ArrayList<>();
    List<HTTPRouteGroup> groups = new ArrayList<>();
    List<TCPRoute> tcp = new ArrayList<>();
    List<UDPRoute> udp = new ArrayList<>();
    List<TrafficTarget> targets = new ArrayList<>();
    List<HTTPRoute> httpRoutes = new ArrayList<>();
    List<GRPCRoute> grpcRoutes = new ArrayList<>();
    for (HasMetadata o : objects) {
      switch (o) {
        case Service s -> services.add(s);
        case EndpointSlice s -> slices.add(s);
        case Pod p -> pods.add(p);
        case Namespace n -> namespaces.add(n);
        case TrafficSplit s -> splits.add(s);
        case HTTPRouteGroup g -> groups.add(g);
        case TCPRoute r -> tcp.add(r);
        case UDPRoute r -> udp.add(r);
        case TrafficTarget t -> targets.add(t);
        case HTTPRoute r -> httpRoutes.add(r);
        case GRPCRoute r -> grpcRoutes.add(r);
        default -> {
          // Other kinds (Deployments next to the Services in a demo directory) are not ours.
        }
      }
    }
    return new SourceSnapshot(
        services,
        slices,
        pods,
        namespaces,
        splits,
        groups,
        tcp,
        udp,
        targets,
        httpRoutes,
        grpcRoutes);
  }

  private static <T> List<T> copy(List<T> list) {
    return list == null ? List.of() : List.copyOf(list);
  }
}
