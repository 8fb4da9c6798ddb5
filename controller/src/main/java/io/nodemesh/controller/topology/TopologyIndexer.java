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
import io.nodemesh.smi.TrafficTarget;
import io.nodemesh.smi.UDPRoute;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Builds each {@link Topology} from the previous one and what changed in the source, instead of
 * indexing every object again (at 10,000 Services that was 40% of a one-object change, see
 * docs/benchmarks.md). The result equals {@link Topology#from} of the same snapshot.
 *
 * <p>Objects are compared by identity: sources replace a changed object and never modify one. Two
 * snapshots of one kind are compared from both ends, so a store that returns its objects in a
 * stable order (an informer's, with one object replaced) costs a pass of pointer comparisons; only
 * the differing middle goes through an identity map. A kind that did not change keeps its very map
 * (which also tells {@link TopologyDelta} there is nothing to compare); a Service whose slices did
 * not change keeps its very list. Not thread-safe: the compiling thread owns it.
 */
public final class TopologyIndexer {
  private SourceSnapshot last = SourceSnapshot.empty();
  private Topology topology = Topology.empty();
  private final ByKey<Service> services = new ByKey<>(Topology::key);
  private final ByKey<Namespace> namespaces = new ByKey<>(n -> n.getMetadata().getName());
  private final ByKey<HTTPRouteGroup> httpRouteGroups = new ByKey<>(Topology::key);
  private final ByKey<TCPRoute> tcpRoutes = new ByKey<>(Topology::key);
  private final ByKey<UDPRoute> udpRoutes = new ByKey<>(Topology::key);
  private final ByKey<TrafficTarget> trafficTargets = new ByKey<>(Topology::key);
  private final ByKey<HTTPRoute> httpRoutes = new ByKey<>(Topology::key);
  private final ByKey<GRPCRoute> grpcRoutes = new ByKey<>(Topology::key);
  private final Slices slices = new Slices();
  private final Pods pods = new Pods();

  /** The topology of {@code s}. */
  public Topology next(SourceSnapshot s, List<Problem> sourceProblems) {
    Topology t = topology;
    topology =
        new Topology(
            services.update(last.services(), s.services(), t.services()),
            slices.update(last.endpointSlices(), s.endpointSlices(), t.slicesByService()),
            namespaces.update(last.namespaces(), s.namespaces(), t.namespaces()),
            pods.update(last.pods(), s.pods(), t.podsByIp()),
            TopologyDelta.sameObjects(last.trafficSplits(), s.trafficSplits())
                ? t.trafficSplits()
                : Topology.sortedSplits(s.trafficSplits()),
            httpRouteGroups.update(
                last.httpRouteGroups(), s.httpRouteGroups(), t.httpRouteGroups()),
            tcpRoutes.update(last.tcpRoutes(), s.tcpRoutes(), t.tcpRoutes()),
            udpRoutes.update(last.udpRoutes(), s.udpRoutes(), t.udpRoutes()),
            trafficTargets.update(last.trafficTargets(), s.trafficTargets(), t.trafficTargets()),
            sourceProblems,
            httpRoutes.update(last.httpRoutes(), s.httpRoutes(), t.httpRoutes()),
            grpcRoutes.update(last.grpcRoutes(), s.grpcRoutes(), t.grpcRoutes()));
    last = s;
    return topology;
  }

  /**
   * What was removed from {@code before} and added in {@code after}, as multisets of identities (a
   * replaced object is one of each). Empty lists when both hold the same objects in the same order.
   */
  static <T> void diff(List<T> before, List<T> after, List<T> removed, List<T> added) {
    int n = Math.min(before.size(), after.size());
    int start = 0;
    while (start < n && before.get(start) == after.get(start)) {
      start++;
    }
    int endBefore = before.size();
    int endAfter = after.size();
    while (endBefore > start
        && endAfter > start
        && before.get(endBefore - 1) == after.get(endAfter - 1)) {
      endBefore--;
      endAfter--;
    }
    Map<T, Integer> counts = new IdentityHashMap<>();
    for (int i = start; i < endBefore; i++) {
      counts.merge(before.get(i), 1, Integer::sum);
    }
    for (int i = start; i < endAfter; i++) {
      T o = after.get(i);
      Integer c = counts.get(o);
      if (c == null) {
        added.add(o);
      } else if (c == 1) {
        counts.remove(o);
      } else {
        counts.put(o, c - 1);
      }
    }
    counts.forEach(
        (o, c) -> {
          for (int i = 0; i < c; i++) {
            removed.add(o);
          }
        });
  }

  /**
   * One kind indexed by key. Two objects with one key (possible in a directory of files) make the
   * last one listed win, as in {@link Topology#from}; while a kind has such twins it is indexed
   * from scratch.
   */
  private static final class ByKey<T extends HasMetadata> {
    private final Function<T, String> key;
    private final TreeMap<String, T> index = new TreeMap<>();
    private boolean twins;

    ByKey(Function<T, String> key) {
      this.key = key;
    }

    SortedMap<String, T> update(List<T> before, List<T> after, SortedMap<String, T> current) {
      List<T> removed = new ArrayList<>();
      List<T> added = new ArrayList<>();
      diff(before, after, removed, added);
      if (removed.isEmpty() && added.isEmpty()) {
        return current;
      }
      if (!twins) {
        // Without twins the index holds exactly the objects of 'before', one per key.
        removed.forEach(o -> index.remove(key.apply(o)));
        for (T o : added) {
          if (index.putIfAbsent(key.apply(o), o) != null) {
            twins = true;
            break;
          }
        }
      }
      if (twins) {
        index.clear();
        after.forEach(o -> index.put(key.apply(o), o));
        twins = index.size() != after.size();
      }
      return FrozenMap.of(index);
    }
  }

  /** EndpointSlices by Service; a Service whose slices did not change keeps its list. */
  private static final class Slices {
    // Service namespace/name -> slice namespace/name -> slice.
    private final Map<String, TreeMap<String, EndpointSlice>> byService = new HashMap<>();
    private final TreeMap<String, List<EndpointSlice>> index = new TreeMap<>();
    private boolean twins;

    SortedMap<String, List<EndpointSlice>> update(
        List<EndpointSlice> before,
        List<EndpointSlice> after,
        SortedMap<String, List<EndpointSlice>> current) {
      List<EndpointSlice> removed = new ArrayList<>();
      List<EndpointSlice> added = new ArrayList<>();
      diff(before, after, removed, added);
      if (removed.isEmpty() && added.isEmpty()) {
        return current;
      }
      Set<String> touched = new HashSet<>();
      if (!twins) {
        for (EndpointSlice slice : removed) {
          String svc = Topology.serviceOf(slice);
          if (svc != null) {
            byService.get(svc).remove(Topology.key(slice));
            touched.add(svc);
          }
        }
        for (EndpointSlice slice : added) {
          String svc = Topology.serviceOf(slice);
          if (svc != null) {
            touched.add(svc);
            if (byService
                    .computeIfAbsent(svc, k -> new TreeMap<>())
                    .putIfAbsent(Topology.key(slice), slice)
                != null) {
              twins = true;
              break;
            }
          }
        }
      }
      if (twins) {
        // Twins of one slice key under one Service: index as Topology.from does, remember whether
        // there are still twins.
        byService.clear();
        twins = false;
        for (EndpointSlice slice : after) {
          String svc = Topology.serviceOf(slice);
          if (svc != null) {
            twins |=
                byService
                        .computeIfAbsent(svc, k -> new TreeMap<>())
                        .putIfAbsent(Topology.key(slice), slice)
                    != null;
          }
        }
        index.clear();
        index.putAll(Topology.slicesByService(after));
        return FrozenMap.of(index);
      }
      for (String svc : touched) {
        TreeMap<String, EndpointSlice> own = byService.get(svc);
        if (own == null || own.isEmpty()) {
          byService.remove(svc);
          index.remove(svc);
        } else {
          index.put(svc, List.copyOf(own.values()));
        }
      }
      return FrozenMap.of(index);
    }
  }

  /** Pods by IP; an IP that several identifying pods claim identifies none. */
  private static final class Pods {
    private final Map<String, List<Pod>> claimants = new HashMap<>();
    private final TreeMap<String, Pod> index = new TreeMap<>();

    SortedMap<String, Pod> update(
        List<Pod> before, List<Pod> after, SortedMap<String, Pod> current) {
      List<Pod> removed = new ArrayList<>();
      List<Pod> added = new ArrayList<>();
      diff(before, after, removed, added);
      Set<String> touched = new HashSet<>();
      for (Pod p : removed) {
        if (Topology.identifies(p)) {
          String ip = p.getStatus().getPodIP();
          List<Pod> claims = claimants.get(ip);
          for (int i = 0; i < claims.size(); i++) {
            if (claims.get(i) == p) {
              claims.remove(i);
              break;
            }
          }
          touched.add(ip);
        }
      }
      for (Pod p : added) {
        if (Topology.identifies(p)) {
          String ip = p.getStatus().getPodIP();
          claimants.computeIfAbsent(ip, k -> new ArrayList<>(1)).add(p);
          touched.add(ip);
        }
      }
      if (touched.isEmpty()) {
        return current;
      }
      for (String ip : touched) {
        List<Pod> claims = claimants.get(ip);
        if (claims.size() == 1) {
          index.put(ip, claims.get(0));
        } else {
          index.remove(ip);
          if (claims.isEmpty()) {
            claimants.remove(ip);
          }
        }
      }
      return FrozenMap.of(index);
    }
  }
}
