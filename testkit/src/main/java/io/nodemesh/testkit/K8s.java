package io.nodemesh.testkit;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.nodemesh.smi.HTTPMatch;
import io.nodemesh.smi.HTTPRouteGroup;
import io.nodemesh.smi.HTTPRouteGroupSpec;
import io.nodemesh.smi.TrafficSplit;
import io.nodemesh.smi.TrafficSplitBackend;
import io.nodemesh.smi.TrafficSplitMatch;
import io.nodemesh.smi.TrafficSplitSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.awaitility.Awaitility;

/** Small builders for the objects tests feed the controller. */
public final class K8s {
  private K8s() {}

  /** A port: "80" (unnamed), "http:80", "dns:53/UDP". */
  public static ServicePort port(String spec) {
    String name = null;
    String rest = spec;
    int colon = spec.indexOf(':');
    if (colon >= 0) {
      name = spec.substring(0, colon);
      rest = spec.substring(colon + 1);
    }
    String protocol = "TCP";
    int slash = rest.indexOf('/');
    if (slash >= 0) {
      protocol = rest.substring(slash + 1);
      rest = rest.substring(0, slash);
    }
    return new ServicePortBuilder()
        .withName(name)
        .withPort(Integer.parseInt(rest))
        .withProtocol(protocol)
        .build();
  }

  public static Service service(String ns, String name, String... ports) {
    List<ServicePort> ps = new ArrayList<>();
    for (String p : ports) {
      ps.add(port(p));
    }
    return new ServiceBuilder()
        .withNewMetadata()
        .withNamespace(ns)
        .withName(name)
        .endMetadata()
        .withNewSpec()
        .withType("ClusterIP")
        .withPorts(ps)
        .endSpec()
        .build();
  }

  public static Service annotate(Service s, String key, String value) {
    return new ServiceBuilder(s).editMetadata().addToAnnotations(key, value).endMetadata().build();
  }

  public static Service label(Service s, String key, String value) {
    return new ServiceBuilder(s).editMetadata().addToLabels(key, value).endMetadata().build();
  }

  public static Namespace namespace(String name, Map<String, String> labels) {
    return new NamespaceBuilder()
        .withNewMetadata()
        .withName(name)
        .withLabels(labels)
        .endMetadata()
        .build();
  }

  public static Endpoint endpoint(String ip, Boolean ready) {
    return new EndpointBuilder()
        .withAddresses(ip)
        .withNewConditions()
        .withReady(ready)
        .endConditions()
        .build();
  }

  /**
   * A slice of {@code service} with one port ({@code portName} may be null) and ready endpoints.
   */
  public static EndpointSlice slice(
      String ns, String service, String portName, int port, String... ips) {
    List<Endpoint> eps = new ArrayList<>();
    for (String ip : ips) {
      eps.add(endpoint(ip, true));
    }
    return slice(
        ns, service + "-" + (portName == null ? "x" : portName), service, portName, port, eps);
  }

  public static EndpointSlice slice(
      String ns,
      String sliceName,
      String service,
      String portName,
      int port,
      List<Endpoint> endpoints) {
    return new EndpointSliceBuilder()
        .withNewMetadata()
        .withNamespace(ns)
        .withName(sliceName)
        .addToLabels("kubernetes.io/service-name", service)
        .endMetadata()
        .withAddressType("IPv4")
        .withPorts(
            new EndpointPortBuilder().withName(portName).withPort(port).withProtocol("TCP").build())
        .withEndpoints(endpoints)
        .build();
  }

  /** A TrafficSplit; {@code backends} alternate name, weight: "v1", 90, "v2", 10. */
  public static TrafficSplit split(String ns, String name, String root, Object... backends) {
    List<TrafficSplitBackend> bs = new ArrayList<>();
    for (int i = 0; i < backends.length; i += 2) {
      bs.add(new TrafficSplitBackend((String) backends[i], (Integer) backends[i + 1]));
    }
    TrafficSplit s = new TrafficSplit();
    s.setMetadata(new ObjectMetaBuilder().withNamespace(ns).withName(name).build());
    s.setSpec(new TrafficSplitSpec(root, bs, null));
    return s;
  }

  public static TrafficSplit withMatches(TrafficSplit s, String... groups) {
    List<TrafficSplitMatch> ms = new ArrayList<>();
    for (String g : groups) {
      ms.add(new TrafficSplitMatch("HTTPRouteGroup", g, "specs.smi-spec.io"));
    }
    s.getSpec().setMatches(ms);
    return s;
  }

  public static TrafficSplit created(TrafficSplit s, String timestamp) {
    s.getMetadata().setCreationTimestamp(timestamp);
    return s;
  }

  public static HTTPRouteGroup group(String ns, String name, HTTPMatch... matches) {
    HTTPRouteGroup g = new HTTPRouteGroup();
    g.setMetadata(new ObjectMetaBuilder().withNamespace(ns).withName(name).build());
    g.setSpec(new HTTPRouteGroupSpec(List.of(matches)));
    return g;
  }

  /**
   * A running pod of service account {@code sa} with pod IP {@code ip}, one container, created at a
   * fixed time (so tests that order pods by age do not depend on the clock).
   */
  public static Pod pod(String ns, String name, String sa, String ip) {
    return new PodBuilder()
        .withNewMetadata()
        .withNamespace(ns)
        .withName(name)
        .withCreationTimestamp("2026-01-01T00:00:00Z")
        .endMetadata()
        .withNewSpec()
        .withServiceAccountName(sa)
        .addNewContainer()
        .withName("app")
        .withImage("example/app")
        .endContainer()
        .endSpec()
        .withNewStatus()
        .withPhase("Running")
        .withPodIP(ip)
        .endStatus()
        .build();
  }

  /** {@code p} being deleted (its deletion timestamp set). */
  public static Pod terminating(Pod p) {
    return new PodBuilder(p)
        .editMetadata()
        .withDeletionTimestamp("2026-01-01T00:01:00Z")
        .endMetadata()
        .build();
  }

  /**
   * Read-modify-write of one object, read again and retried when the API server answers 409
   * Conflict. A plain {@code edit} races the controller whenever the controller writes the same
   * object (a route's status), and loses now and then on a loaded machine.
   */
  public static <T extends HasMetadata> T edit(Resource<T> resource, UnaryOperator<T> change) {
    for (int attempt = 1; ; attempt++) {
      try {
        return resource.edit(change);
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || attempt >= 20) {
          throw e;
        }
      }
    }
  }

  /**
   * Deletes the Services, EndpointSlices, Pods, TrafficSplits and Events a test left in the mock
   * API server, retrying for up to {@code wait}: closing a controller's watches can stall the mock
   * server for a few seconds.
   */
  public static void wipe(KubernetesClient client, Duration wait) {
    Awaitility.await()
        .atMost(wait)
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              client.services().inAnyNamespace().delete();
              client.discovery().v1().endpointSlices().inAnyNamespace().delete();
              client.pods().inAnyNamespace().delete();
              client.resources(TrafficSplit.class).inAnyNamespace().delete();
              client.v1().events().inAnyNamespace().delete();
            });
  }

  /**
   * Writes a kubeconfig for the API server at {@code server} (its certificate not verified, as for
   * the mock server) with one user that presents {@code token}; returns {@code file}.
   */
  public static Path kubeconfig(Path file, String server, String user, String token)
      throws IOException {
    Files.writeString(
        file,
        """
        apiVersion: v1
        kind: Config
        clusters: [{name: mock, cluster: {server: "%s", insecure-skip-tls-verify: true}}]
        users: [{name: %s, user: {token: %s}}]
        contexts: [{name: mock, context: {cluster: mock, user: %s, namespace: default}}]
        current-context: mock
        """
            .formatted(server, user, token, user));
    return file;
  }
}
