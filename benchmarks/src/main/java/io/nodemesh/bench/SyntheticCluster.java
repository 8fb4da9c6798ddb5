package io.nodemesh.bench;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.nodemesh.config.Protocol;
import io.nodemesh.controller.common.PortRange;
import io.nodemesh.controller.compile.CompileSettings;
import io.nodemesh.smi.HTTPMatch;
import io.nodemesh.smi.HTTPRouteGroup;
import io.nodemesh.smi.HTTPRouteGroupSpec;
import io.nodemesh.smi.IdentityBindingSubject;
import io.nodemesh.smi.SmiKinds;
import io.nodemesh.smi.TrafficSplit;
import io.nodemesh.smi.TrafficSplitBackend;
import io.nodemesh.smi.TrafficSplitSpec;
import io.nodemesh.smi.TrafficTarget;
import io.nodemesh.smi.TrafficTargetRule;
import io.nodemesh.smi.TrafficTargetSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A cluster as the controller's sources see it: Services with one HTTP port, one EndpointSlice
 * each, and TrafficSplits whose root and backends are neighbouring Services of one namespace.
 *
 * @param services how many Services (a hundred per namespace)
 * @param endpointsPerService ready endpoints in each Service's slice
 * @param splits how many TrafficSplits (at most one per ten Services)
 */
public record SyntheticCluster(int services, int endpointsPerService, int splits) {
  public SyntheticCluster {
    if (services < 1
        || endpointsPerService < 0
        || splits < 0
        || (splits > 0 && (splits - 1) * 10 + 2 >= services)) {
      throw new IllegalArgumentException(
          "synthetic cluster: services "
              + services
              + ", endpoints "
              + endpointsPerService
              + ", splits "
              + splits
              + " (need services >= 1 and at most one split per ten services)");
    }
  }

  /** Port ranges wide enough for 20,000 HTTP Service ports; ACL mode off. */
  public static CompileSettings settings() {
    return settings(false);
  }

  /** Port ranges wide enough for 20,000 HTTP Service ports, ACL mode as given. */
  public static CompileSettings settings(boolean acl) {
    return new CompileSettings(
        "nodemesh",
        "mesh",
        Map.of(
            Protocol.HTTP, new PortRange(20000, 39999),
            Protocol.TCP, new PortRange(40000, 44999),
            Protocol.UDP, new PortRange(45000, 49999)),
        acl);
  }

  /** Every object of the cluster, namespaces first. */
  public List<HasMetadata> objects() {
    List<HasMetadata> out = new ArrayList<>();
    for (int n = 0; n <= (services - 1) / 100; n++) {
      out.add(new NamespaceBuilder().withNewMetadata().withName("ns-" + n).endMetadata().build());
    }
    for (int i = 0; i < services; i++) {
      out.add(service(i));
      out.add(slice(i, 0));
    }
    for (int s = 0; s < splits; s++) {
      out.add(split(s * 10));
    }
    return out;
  }

  /** Service {@code i}: one HTTP port 80 named http. */
  public static Service service(int i) {
    return new ServiceBuilder()
        .withNewMetadata()
        .withNamespace(SyntheticMesh.namespace(i))
        .withName(SyntheticMesh.service(i))
        .endMetadata()
        .withNewSpec()
        .withType("ClusterIP")
        .withPorts(
            new ServicePortBuilder().withName("http").withPort(80).withProtocol("TCP").build())
        .endSpec()
        .build();
  }

  /**
   * The EndpointSlice of Service {@code i}; {@code generation} shifts the last endpoint's address,
   * which is the smallest real change a cluster makes (one pod replaced).
   */
  public EndpointSlice slice(int i, int generation) {
    List<Endpoint> eps = new ArrayList<>(endpointsPerService);
    for (int e = 0; e < endpointsPerService; e++) {
      int n = i * endpointsPerService + e;
      if (e == endpointsPerService - 1) {
        n += generation * services * endpointsPerService;
      }
      eps.add(
          new EndpointBuilder()
              .withAddresses(SyntheticMesh.ip(n))
              .withNewConditions()
              .withReady(true)
              .endConditions()
              .build());
    }
    return new EndpointSliceBuilder()
        .withNewMetadata()
        .withNamespace(SyntheticMesh.namespace(i))
        .withName(SyntheticMesh.service(i) + "-abcde")
        .addToLabels("kubernetes.io/service-name", SyntheticMesh.service(i))
        .endMetadata()
        .withAddressType("IPv4")
        .withPorts(
            new EndpointPortBuilder().withName("http").withPort(8080).withProtocol("TCP").build())
        .withEndpoints(eps)
        .build();
  }

  /**
   * One running pod per endpoint, with the endpoint's IP and its Service's service account (what
   * the controller's Pods informer holds next to the EndpointSlices).
   */
  public List<Pod> pods() {
    List<Pod> out = new ArrayList<>(services * endpointsPerService);
    for (int i = 0; i < services; i++) {
      for (int e = 0; e < endpointsPerService; e++) {
        out.add(pod(i, i * endpointsPerService + e));
      }
    }
    return out;
  }

  /** A running pod of Service {@code i} with the IP of endpoint number {@code n}. */
  public static Pod pod(int i, int n) {
    return new PodBuilder()
        .withNewMetadata()
        .withNamespace(SyntheticMesh.namespace(i))
        .withName(SyntheticMesh.service(i) + "-" + n)
        .endMetadata()
        .withNewSpec()
        .withServiceAccountName(SyntheticMesh.service(i))
        .endSpec()
        .withNewStatus()
        .withPhase("Running")
        .withPodIP(SyntheticMesh.ip(n))
        .endStatus()
        .build();
  }

  /**
   * What ACL mode works from: per namespace an HTTPRouteGroup {@code everything}, and per split a
   * TrafficTarget letting the root's service account call its two backends' pods (each Service's
   * pods run under a service account named like the Service, see {@link #pod}).
   */
  public List<HasMetadata> accessObjects() {
    List<HasMetadata> out = new ArrayList<>();
    for (int n = 0; n <= (services - 1) / 100; n++) {
      HTTPRouteGroup g = new HTTPRouteGroup();
      g.setMetadata(
          new ObjectMetaBuilder().withNamespace("ns-" + n).withName("everything").build());
      g.setSpec(new HTTPRouteGroupSpec(List.of(new HTTPMatch("all", ".*", List.of(), null))));
      out.add(g);
    }
    for (int s = 0; s < splits; s++) {
      int root = s * 10;
      for (int b = 1; b <= 2; b++) {
        TrafficTarget t = new TrafficTarget();
        t.setMetadata(
            new ObjectMetaBuilder()
                .withNamespace(SyntheticMesh.namespace(root))
                .withName("allow-" + root + "-" + b)
                .build());
        t.setSpec(
            new TrafficTargetSpec(
                new IdentityBindingSubject(
                    "ServiceAccount", SyntheticMesh.service(root + b), null, null),
                List.of(new TrafficTargetRule(SmiKinds.HTTP_ROUTE_GROUP, "everything", null)),
                List.of(
                    new IdentityBindingSubject(
                        "ServiceAccount", SyntheticMesh.service(root), null, null))));
        out.add(t);
      }
    }
    return out;
  }

  /** A 90/10 split of Service {@code root} to its two next neighbours (same namespace). */
  static TrafficSplit split(int root) {
    return split(root, 90);
  }

  /**
   * The split of Service {@code root}, sending {@code first}% to its next neighbour and the rest to
   * the one after.
   */
  public static TrafficSplit split(int root, int first) {
    String ns = SyntheticMesh.namespace(root);
    List<TrafficSplitBackend> backends =
        List.of(
            new TrafficSplitBackend(SyntheticMesh.service(root + 1), first),
            new TrafficSplitBackend(SyntheticMesh.service(root + 2), 100 - first));
    TrafficSplit s = new TrafficSplit();
    s.setMetadata(
        new ObjectMetaBuilder()
            .withNamespace(ns)
            .withName("split-" + root)
            .withCreationTimestamp("2026-01-01T00:00:00Z")
            .build());
    s.setSpec(new TrafficSplitSpec(SyntheticMesh.service(root), backends, null));
    return s;
  }
}
