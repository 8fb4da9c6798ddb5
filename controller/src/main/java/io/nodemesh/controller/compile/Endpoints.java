package io.nodemesh.controller.compile;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointConditions;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.nodemesh.config.EndpointConfig;
import io.nodemesh.controller.common.IpLiteral;
import io.nodemesh.controller.common.Problem;
import io.nodemesh.controller.common.ProblemReason;
import io.nodemesh.controller.topology.Topology;
import io.nodemesh.controller.topology.TopologyDelta;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * The endpoint lists of each Service port, reused while the Service's EndpointSlices are the very
 * same objects: a split's backends are shared by several listeners, and a rebuilt listener usually
 * has unchanged endpoints.
 */
final class Endpoints {
  private static final String SLICE = "EndpointSlice";

  private record Entry(
      List<EndpointSlice> slices,
      ProxyProtocolPorts proxyProtocol,
      List<EndpointConfig> endpoints,
      List<Problem> problems) {}

  // Service namespace/name -> Service port name -> entry.
  private final Map<String, Map<String, Entry>> byService = new HashMap<>();
  // ACL mode: the live pods (null when off), and which Services' slices name which canonical
  // address, so that a pod change recomputes exactly the endpoint lists that can change.
  private PodAddresses pods;
  private final Map<String, Set<String>> servicesByAddress = new HashMap<>();
  private final Map<String, Set<String>> addressesByService = new HashMap<>();

  /**
   * The endpoints of a Service port; what is wrong with its slices goes to {@code problems}, on
   * every call, so a reused list still reports its slices' problems.
   */
  List<EndpointConfig> of(
      Topology t, String namespace, String service, ServicePort sp, List<Problem> problems) {
    List<EndpointSlice> slices = t.slices(namespace, service);
    Map<String, Entry> ports =
        byService.computeIfAbsent(Topology.key(namespace, service), k -> new HashMap<>());
    String port = Objects.requireNonNullElse(sp.getName(), "");
    Entry e = ports.get(port);
    // The annotation marks endpoints too: a change to it alone recomputes the list.
    ProxyProtocolPorts proxyProtocol = ProxyProtocolPorts.of(t.service(namespace, service), null);
    if (e == null
        || !TopologyDelta.sameObjects(e.slices(), slices)
        || !e.proxyProtocol().equals(proxyProtocol)) {
      List<Problem> found = new ArrayList<>();
      e =
          new Entry(
              slices,
              proxyProtocol,
              read(t, namespace, service, sp, pods, found),
              List.copyOf(found));
      ports.put(port, e);
      if (pods != null) {
        index(Topology.key(namespace, service), slices);
      }
    }
    problems.addAll(e.problems());
    return e.endpoints();
  }

  /** ACL mode: the live pods, which decide which addresses are kept (null when off). */
  void pods(PodAddresses pods) {
    this.pods = pods;
  }

  /** The Services whose slices name a canonical address. */
  Set<String> servicesAt(String canonical) {
    Set<String> keys = canonical == null ? null : servicesByAddress.get(canonical);
    return keys == null ? Set.of() : Set.copyOf(keys);
  }

  private void index(String serviceKey, List<EndpointSlice> slices) {
    Set<String> addresses = addressesByService.computeIfAbsent(serviceKey, k -> new HashSet<>());
    for (EndpointSlice slice : slices) {
      List<Endpoint> eps = slice.getEndpoints() == null ? List.of() : slice.getEndpoints();
      for (Endpoint ep : eps) {
        if (ep == null || ep.getAddresses() == null) {
          continue;
        }
        for (String ip : ep.getAddresses()) {
          String c = IpLiteral.canonical(ip);
          if (c != null && addresses.add(c)) {
            servicesByAddress.computeIfAbsent(c, k -> new HashSet<>()).add(serviceKey);
          }
        }
      }
    }
  }

  void forget(String serviceKey) {
    byService.remove(serviceKey);
    Set<String> addresses = addressesByService.remove(serviceKey);
    for (String c : addresses == null ? Set.<String>of() : addresses) {
      Set<String> keys = servicesByAddress.get(c);
      keys.remove(serviceKey);
      if (keys.isEmpty()) {
        servicesByAddress.remove(c);
      }
    }
  }

  void clear() {
    byService.clear();
    servicesByAddress.clear();
    addressesByService.clear();
    pods = null;
  }

  /**
   * The endpoints of one Service port: slices of the Service, slice port matched by port NAME (the
   * only link between a Service port and a slice port; unnamed is ""), conditions as the
   * EndpointSlice API defines their defaults. An address that is not an IP literal, or a slice port
   * outside 1..65535, is left out and reported, whichever port it belongs to: a proxy would reject
   * the whole config for it.
   *
   * <p>In ACL mode ({@code pods} not null) an address is kept only when it is a live pod of the
   * Service's own namespace, compared as addresses ({@link IpLiteral#canonical}) and written as the
   * pod's IP. Anything else (a manual EndpointSlice naming a ClusterIP, a node, another namespace's
   * pod, a proxy) is left out and reported: the proxy would otherwise dial it on the caller's
   * behalf while the access check only knows the pods' service accounts (issue 13). An endpoint
   * Kubernetes marks terminating is left out silently: its pod is already gone from the live ones,
   * and a rollout is not a problem.
   */
  static List<EndpointConfig> read(
      Topology t,
      String namespace,
      String service,
      ServicePort sp,
      PodAddresses pods,
      List<Problem> problems) {
    String portName = Objects.requireNonNullElse(sp.getName(), "");
    Map<String, EndpointConfig> out = new TreeMap<>();
    // Its problems are reported once, with the Service's facts; here a bad value reads as off.
    ProxyProtocolPorts proxyProtocol = ProxyProtocolPorts.of(t.service(namespace, service), null);
    for (EndpointSlice slice : t.slices(namespace, service)) {
      if ("FQDN".equals(slice.getAddressType())) {
        continue;
      }
      Integer port = null;
      List<EndpointPort> ports = slice.getPorts() == null ? List.of() : slice.getPorts();
      for (int i = 0; i < ports.size(); i++) {
        EndpointPort p = ports.get(i);
        Integer number = p == null ? null : p.getPort();
        if (number != null && (number < 1 || number > 65535)) {
          problems.add(
              sliceProblem(
                  slice,
                  "ports[" + i + "].port",
                  "port " + number + " is not in 1..65535; its endpoints are left out"));
          continue;
        }
        if (port == null
            && p != null
            && portName.equals(Objects.requireNonNullElse(p.getName(), ""))) {
          port = number;
        }
      }
      List<Endpoint> endpoints = slice.getEndpoints() == null ? List.of() : slice.getEndpoints();
      for (int i = 0; i < endpoints.size(); i++) {
        Endpoint ep = endpoints.get(i);
        List<String> addresses =
            ep == null || ep.getAddresses() == null ? List.of() : ep.getAddresses();
        for (int a = 0; a < addresses.size(); a++) {
          String ip = addresses.get(a);
          if (!IpLiteral.valid(ip)) {
            problems.add(
                sliceProblem(
                    slice,
                    "endpoints[" + i + "].addresses[" + a + "]",
                    (ip == null ? "null" : "'" + ip + "'")
                        + " is not an IP address; this address is left out"));
            continue;
          }
          EndpointConditions c = ep.getConditions();
          if (pods != null) {
            String field = "endpoints[" + i + "].addresses[" + a + "]";
            Pod pod = pods.at(IpLiteral.canonical(ip));
            if (pod == null || !namespace.equals(pod.getMetadata().getNamespace())) {
              if (c == null || !Boolean.TRUE.equals(c.getTerminating())) {
                problems.add(notAPod(slice, field, ip, pod, namespace));
              }
              continue;
            }
            ip = pod.getStatus().getPodIP();
          }
          if (port == null) {
            continue;
          }
          // discovery.k8s.io/v1: a nil ready is "unknown" and must be read as ready; nil serving
          // defers to ready; nil terminating means not terminating.
          boolean ready = c == null || c.getReady() == null || c.getReady();
          boolean serving = c == null || c.getServing() == null ? ready : c.getServing();
          boolean terminating = c != null && Boolean.TRUE.equals(c.getTerminating());
          EndpointConfig cfg =
              new EndpointConfig(
                  ip,
                  port,
                  ep.getNodeName(),
                  ready,
                  serving,
                  terminating,
                  proxyProtocol.covers(port));
          out.putIfAbsent(cfg.authority(), cfg);
        }
      }
    }
    return List.copyOf(out.values());
  }

  private static Problem notAPod(
      EndpointSlice slice, String field, String ip, Pod pod, String namespace) {
    String what =
        pod == null
            ? "is not the IP of a live pod"
            : "is the IP of pod '"
                + pod.getMetadata().getNamespace()
                + "/"
                + pod.getMetadata().getName()
                + "', not of a pod in namespace '"
                + namespace
                + "'";
    return new Problem(
        SLICE,
        slice.getMetadata().getNamespace(),
        slice.getMetadata().getName(),
        field,
        "'"
            + ip
            + "' "
            + what
            + "; in ACL mode the mesh sends traffic only to pods of the Service's namespace, whose"
            + " service accounts the access check knows. This address is left out",
        ProblemReason.ENDPOINT_NOT_A_POD);
  }

  private static Problem sliceProblem(EndpointSlice slice, String field, String message) {
    return new Problem(
        SLICE,
        slice.getMetadata().getNamespace(),
        slice.getMetadata().getName(),
        field,
        message,
        ProblemReason.INVALID_SPEC);
  }
}
