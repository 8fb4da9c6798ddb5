package io.nodemesh.controller.compile;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointConditions;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.nodemesh.config.AccessConfig;
import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.EndpointConfig;
import io.nodemesh.config.HttpMatch;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.Protocol;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.config.ServicePolicy;
import io.nodemesh.config.TenantRegex;
import io.nodemesh.controller.common.HttpMatches;
import io.nodemesh.controller.common.IpLiteral;
import io.nodemesh.controller.common.ObjectFailure;
import io.nodemesh.controller.common.Problem;
import io.nodemesh.controller.common.ProblemReason;
import io.nodemesh.controller.topology.Topology;
import io.nodemesh.smi.HTTPRouteGroup;
import io.nodemesh.smi.PortMatch;
import io.nodemesh.smi.SmiKinds;
import io.nodemesh.smi.SmiProblem;
import io.nodemesh.smi.SmiValidator;
import io.nodemesh.smi.TCPRoute;
import io.nodemesh.smi.TrafficSplit;
import io.nodemesh.smi.TrafficSplitBackend;
import io.nodemesh.smi.TrafficSplitMatch;
import io.nodemesh.smi.UDPRoute;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Compiles a {@link Topology} into the {@link MeshConfig} every proxy applies. A pure function: the
 * same topology, allocation, previous config and clock reading give the same result, so every
 * replica serves the same configuration and tests need no cluster.
 *
 * <p>Invalid objects are skipped with a {@link Problem} naming the object and the field; the rest
 * of the mesh keeps working.
 */
public final class MeshCompiler {
  /** Label (on a Service or Namespace) that keeps it out of the mesh. */
  public static final String IGNORE_LABEL = "nodemesh.io/ignore";

  /** Annotation choosing a Service's protocol: http (default), tcp, udp or auto. */
  public static final String TRAFFIC_TYPE_ANNOTATION = "nodemesh.io/traffic-type";

  private static final String SERVICE = "Service";

  private MeshCompiler() {}

  /**
   * Compiles from scratch.
   *
   * @param topology what to compile
   * @param settings mesh namespace, domain and port ranges
   * @param allocation the allocation to keep stable (previous result, overlaid with what the shadow
   *     Services say)
   * @param previous the config served so far, or null
   * @param nowMillis the wall clock, for the version
   */
  public static CompileResult compile(
      Topology topology,
      CompileSettings settings,
      PortAllocation allocation,
      MeshConfig previous,
      long nowMillis) {
    return compile(topology, settings, allocation, previous, nowMillis, CompileMemo.create());
  }

  /**
   * Compiles, recomputing only what depends on objects that changed since the previous compilation
   * with the same {@code memo} (see {@link CompileMemo}). Same result as without a memo.
   */
  public static CompileResult compile(
      Topology topology,
      CompileSettings settings,
      PortAllocation allocation,
      MeshConfig previous,
      long nowMillis,
      CompileMemo memo) {
    return memo.compile(topology, settings, allocation, previous, nowMillis);
  }

  /**
   * What one meshed Service contributes before ports are allocated.
   *
   * @param service the Service object these facts were read from
   * @param policy its policy annotations
   * @param wanted its meshed ports, in the order the Service lists them
   * @param problems what was wrong with its annotations and ports
   */
  record ServiceFacts(
      Service service,
      ServicePolicy policy,
      Map<PortKey, ServicePort> wanted,
      List<Problem> problems) {}

  /** Reads a meshed Service's protocol, policy and ports. */
  static ServiceFacts facts(Service svc, CompileSettings settings) {
    List<Problem> problems = new ArrayList<>();
    // Null when the Service says nothing: each port then declares its own protocol, if any.
    Protocol annotated = trafficType(svc, settings.defaultTrafficType(), problems);
    ServicePolicy policy = PolicyAnnotations.parse(svc, problems);
    ProxyProtocolPorts.of(svc, problems);
    Map<PortKey, ServicePort> wanted = new LinkedHashMap<>();
    List<ServicePort> ports = svc.getSpec().getPorts();
    Set<Integer> seen = new HashSet<>();
    for (int i = 0; ports != null && i < ports.size(); i++) {
      ServicePort sp = ports.get(i);
      if (sp == null || sp.getPort() == null || sp.getPort() < 1 || sp.getPort() > 65535) {
        // The API server never stores such a port, but local mode's YAML can hold one.
        problems.add(
            new Problem(
                SERVICE,
                svc.getMetadata().getNamespace(),
                svc.getMetadata().getName(),
                "spec.ports[" + i + "].port",
                "port "
                    + (sp == null ? null : sp.getPort())
                    + " is not in 1..65535; this port is not meshed",
                ProblemReason.INVALID_SPEC));
        continue;
      }
      if (!seen.add(sp.getPort())) {
        // A listener is identified by namespace/service:port, so 53/TCP next to 53/UDP cannot
        // both be meshed; the first one listed wins.
        problems.add(
            new Problem(
                SERVICE,
                svc.getMetadata().getNamespace(),
                svc.getMetadata().getName(),
                "spec.ports[" + i + "]",
                "port "
                    + sp.getPort()
                    + " is listed twice ("
                    + sp.getProtocol()
                    + "); only the first is meshed",
                ProblemReason.PORT_CONFLICT));
        continue;
      }
      Protocol protocol =
          "UDP".equalsIgnoreCase(sp.getProtocol())
              ? Protocol.UDP
              : annotated != null
                  ? annotated
                  : PortProtocols.declared(svc, sp, i, settings.defaultTrafficType(), problems);
      wanted.put(
          new PortKey(
              svc.getMetadata().getNamespace(),
              svc.getMetadata().getName(),
              sp.getPort(),
              protocol),
          sp);
    }
    if (wanted.keySet().stream().anyMatch(k -> k.protocol() == Protocol.UDP)) {
      PolicyAnnotations.reportUdpIdle(svc, policy, problems);
    }
    return new ServiceFacts(
        svc, policy, Collections.unmodifiableMap(wanted), List.copyOf(problems));
  }

  /** The problem of a wanted port that found no free proxy port. */
  static Problem exhausted(PortKey key, CompileSettings settings) {
    return new Problem(
        SERVICE,
        key.namespace(),
        key.service(),
        "spec.ports[port=" + key.port() + "]",
        "no free proxy port left in the "
            + key.protocol().wireName()
            + " range "
            + settings.ranges().get(PortAllocation.rangeOf(key.protocol()))
            + "; port "
            + key.port()
            + " is not meshed",
        ProblemReason.PORTS_EXHAUSTED);
  }

  /** The listeners of one meshed Service, in the order of its ports, and their problems. */
  record ServiceListeners(List<ListenerConfig> listeners, List<Problem> problems) {}

  /**
   * Builds the listeners of one meshed Service: one per wanted port that got a proxy port, routed
   * to its own endpoints or, when {@code plan} is not null, split as the plan says.
   */
  static ServiceListeners listeners(
      ServiceFacts facts,
      PortAllocation allocation,
      SplitPlan plan,
      Topology topology,
      CompileMemo.Endpoints endpoints) {
    List<ListenerConfig> listeners = new ArrayList<>();
    List<Problem> problems = new ArrayList<>();
    for (Map.Entry<PortKey, ServicePort> e : facts.wanted().entrySet()) {
      PortKey key = e.getKey();
      Integer proxyPort = allocation.portOf(key);
      if (proxyPort == null) {
        continue;
      }
      BackendConfig root =
          new BackendConfig(
              key.service(),
              1,
              endpoints.of(topology, key.namespace(), key.service(), e.getValue(), problems));
      RouteConfig route =
          plan == null
              ? RouteConfig.direct(root)
              : plan.route(key, e.getValue(), root, topology, problems, endpoints);
      listeners.add(
          new ListenerConfig(
              key.namespace(),
              key.service(),
              key.port(),
              key.protocol(),
              proxyPort,
              route,
              facts.policy()));
    }
    return new ServiceListeners(List.copyOf(listeners), List.copyOf(problems));
  }

  /** Whether a Service takes part in the mesh, given its Namespace (or null). */
  static boolean meshed(Service s, Namespace namespace, CompileSettings settings) {
    String ns = s.getMetadata().getNamespace();
    return s.getSpec() != null
        && !"ExternalName".equals(s.getSpec().getType())
        && !ignored(s)
        && ns != null
        && meshedNamespace(ns, namespace, settings.meshNamespace());
  }

  /**
   * Whether the namespace {@code name} takes part in the mesh: not the mesh's own, not {@code
   * kube-system}, not labelled {@value #IGNORE_LABEL}.
   *
   * @param namespace its Namespace object, or null when the source has none
   */
  public static boolean meshedNamespace(String name, Namespace namespace, String meshNamespace) {
    return !name.equals(meshNamespace) && !name.equals("kube-system") && !ignored(namespace);
  }

  /**
   * The version of a compiled config: the previous one when nothing a proxy sees changed, else
   * wall-clock based so that replicas (and a restarted controller) produce versions a proxy can
   * compare: a proxy that switches replicas must not see the version go back. previous + 1 keeps it
   * strictly increasing when the clock steps back or two changes share a millisecond.
   */
  static long version(
      MeshConfig previous,
      List<ListenerConfig> listeners,
      AccessConfig access,
      CompileSettings settings,
      long nowMillis) {
    if (previous != null
        && previous.listeners().equals(listeners)
        && previous.access().equals(access)
        && previous.meshDomain().equals(settings.meshDomain())) {
      return previous.version();
    }
    return Math.max(previous == null ? 1 : previous.version() + 1, nowMillis);
  }

  static List<Problem> dedupe(List<Problem> problems) {
    return List.copyOf(new LinkedHashSet<>(problems));
  }

  private static boolean ignored(HasMetadata o) {
    if (o == null || o.getMetadata().getLabels() == null) {
      return false;
    }
    return "true".equalsIgnoreCase(o.getMetadata().getLabels().get(IGNORE_LABEL));
  }

  /** The annotated protocol, or null when there is none or it is invalid (reported). */
  private static Protocol trafficType(Service svc, Protocol defaultType, List<Problem> problems) {
    Map<String, String> annotations = svc.getMetadata().getAnnotations();
    String key = TRAFFIC_TYPE_ANNOTATION;
    if (annotations != null && !annotations.containsKey(key)) {
      // Traefik Mesh's annotation, same values (TraefikMeshAliases); ours wins when both are set.
      String alias = TraefikMeshAliases.aliasKey(annotations, TraefikMeshAliases.TRAFFIC_TYPE);
      key = alias == null ? key : alias;
    }
    String value = annotations == null ? null : annotations.get(key);
    if (value == null) {
      return null;
    }
    try {
      return Protocol.parse(value);
    } catch (IllegalArgumentException e) {
      problems.add(
          new Problem(
              SERVICE,
              svc.getMetadata().getNamespace(),
              svc.getMetadata().getName(),
              "metadata.annotations[" + key + "]",
              "invalid value '"
                  + value
                  + "' (expected http, tcp, udp or auto); each port's appProtocol or name decides"
                  + " (docs/protocols.md), else using "
                  + defaultType.wireName(),
              ProblemReason.INVALID_ANNOTATION));
      return null;
    }
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
  static List<EndpointConfig> endpoints(
      Topology t,
      String namespace,
      String service,
      ServicePort sp,
      PodAddresses pods,
      List<Problem> problems) {
    String portName = Objects.requireNonNullElse(sp.getName(), "");
    Map<String, EndpointConfig> out = new TreeMap<>();
    // Its problems are reported once, by facts(); here a bad value just reads as off.
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
        "EndpointSlice",
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
        "EndpointSlice",
        slice.getMetadata().getNamespace(),
        slice.getMetadata().getName(),
        field,
        message,
        ProblemReason.INVALID_SPEC);
  }

  /** One accepted TrafficSplit: its root, usable backends and matches. */
  record SplitPlan(
      TrafficSplit split,
      String name,
      List<TrafficSplitBackend> backends,
      List<Integer> indexes,
      List<HttpMatch> matches,
      List<L4Match> l4) {

    /**
     * The route of one listener of the root (SMI traffic-split v1alpha4): without matches every
     * request or connection is split; with matches, only the traffic one selects, the rest goes to
     * the root. A TCPRoute or UDPRoute match selects every connection (or request) on its ports; an
     * HTTPRouteGroup selects requests, so never the connections of a TCP or UDP listener, which
     * then all go to the root (issue 17).
     */
    RouteConfig route(
        PortKey key,
        ServicePort sp,
        BackendConfig root,
        Topology t,
        List<Problem> problems,
        CompileMemo.Endpoints endpoints) {
      List<HttpMatch> selected = matches;
      if (!matches.isEmpty() || !l4.isEmpty()) {
        // The pod ports: the root's endpoints say; without any, a numeric targetPort (which the
        // API server defaults to the port).
        Set<Integer> podPorts = new HashSet<>();
        root.endpoints().forEach(e -> podPorts.add(e.port()));
        if (podPorts.isEmpty()) {
          if (sp.getTargetPort() == null) {
            podPorts.add(key.port());
          } else if (sp.getTargetPort().getIntVal() != null) {
            podPorts.add(sp.getTargetPort().getIntVal());
          }
        }
        if (l4.stream().anyMatch(m -> m.selects(key.protocol(), podPorts))) {
          selected = List.of();
        } else if (matches.isEmpty() || !key.protocol().servesHttp()) {
          return new RouteConfig(root, List.of(), List.of(), name);
        }
      }
      return new RouteConfig(root, backendsFor(key.port(), t, problems, endpoints), selected, name);
    }

    /** The Services this plan sends traffic to, as {@code namespace/name}. */
    List<String> backendKeys() {
      String ns = split.getMetadata().getNamespace();
      return backends.stream().map(b -> Topology.key(ns, b.getService())).toList();
    }

    /** Whether {@code o} plans the same: same split object, same backends and matches. */
    boolean sameAs(SplitPlan o) {
      return o != null
          && split == o.split
          && backends.equals(o.backends)
          && indexes.equals(o.indexes)
          && matches.equals(o.matches)
          && l4.equals(o.l4);
    }

    List<BackendConfig> backendsFor(
        int port, Topology t, List<Problem> problems, CompileMemo.Endpoints endpoints) {
      String ns = split.getMetadata().getNamespace();
      List<BackendConfig> out = new ArrayList<>();
      List<Integer> outIndexes = new ArrayList<>();
      for (int i = 0; i < backends.size(); i++) {
        TrafficSplitBackend b = backends.get(i);
        Service svc = t.service(ns, b.getService());
        ServicePort sp = null;
        // A Service without a spec only reaches us from local mode's YAML: it has no ports.
        List<ServicePort> ports =
            svc.getSpec() == null || svc.getSpec().getPorts() == null
                ? List.of()
                : svc.getSpec().getPorts();
        for (ServicePort p : ports) {
          if (p != null && p.getPort() != null && p.getPort() == port) {
            sp = p;
            break;
          }
        }
        if (sp == null) {
          problems.add(
              problem(
                  split,
                  "spec.backends[" + indexes.get(i) + "].service",
                  "Service '"
                      + b.getService()
                      + "' has no port "
                      + port
                      + " (a port of the root Service '"
                      + rootName(split)
                      + "'); backend left out for port "
                      + port,
                  ProblemReason.PORT_MISSING));
          continue;
        }
        BackendConfig backend =
            new BackendConfig(
                b.getService(), weight(b), endpoints.of(t, ns, b.getService(), sp, problems));
        out.add(backend);
        outIndexes.add(indexes.get(i));
      }
      // The proxies give the share of a backend that cannot serve to those that can (docs/smi.md,
      // issue 17); said when some can, since with none every request fails anyway.
      if (out.stream().anyMatch(b -> b.weight() > 0 && canServe(b))) {
        for (int i = 0; i < out.size(); i++) {
          BackendConfig b = out.get(i);
          if (b.weight() > 0 && !canServe(b)) {
            problems.add(
                problem(
                    split,
                    "spec.backends[" + outIndexes.get(i) + "].service",
                    "Service '"
                        + b.service()
                        + "' has no ready endpoint for port "
                        + port
                        + "; its weight goes to the other backends until it has one",
                    ProblemReason.BACKEND_UNAVAILABLE));
          }
        }
      }
      return out;
    }
  }

  /** As the proxy chooses usable endpoints: ready ones, else serving and terminating ones. */
  private static boolean canServe(BackendConfig b) {
    return b.endpoints().stream().anyMatch(e -> e.ready() || (e.serving() && e.terminating()));
  }

  private static int weight(TrafficSplitBackend b) {
    return b.getWeight() == null ? 0 : Math.max(0, b.getWeight());
  }

  private static String rootName(TrafficSplit s) {
    return SmiValidator.serviceName(s.getSpec().getService(), s.getMetadata().getNamespace());
  }

  private static Problem problem(
      HasMetadata o, String field, String message, ProblemReason reason) {
    return new Problem(
        o.getKind(),
        o.getMetadata().getNamespace(),
        o.getMetadata().getName(),
        field,
        message,
        reason);
  }

  /**
   * The accepted TrafficSplit of each root Service, by the root's {@code namespace/name}.
   *
   * @param meshed whether the Service {@code namespace/name} is meshed
   * @param validate {@link SmiValidator#validate} of an object (memoized by the caller)
   */
  static Map<String, SplitPlan> planSplits(
      Topology t,
      Predicate<String> meshed,
      Function<HasMetadata, List<SmiProblem>> validate,
      List<Problem> problems) {
    Map<String, SplitPlan> byRoot = new HashMap<>();
    for (TrafficSplit split : t.trafficSplits()) {
      // One split's failure, Errors included, skips that split only (issue 13).
      List<Problem> failed = new ArrayList<>(1);
      ObjectFailure.guard(
          split,
          () -> {
            planSplit(split, t, meshed, validate, problems, byRoot);
            return null;
          },
          () -> null,
          failed);
      problems.addAll(failed);
    }
    return byRoot;
  }

  /** {@code spec.backends[i].service} of each backend that names the split's own root. */
  private static Set<String> rootBackendFields(TrafficSplit split) {
    if (split.getSpec() == null || split.getSpec().getBackends() == null) {
      return Set.of();
    }
    // The root as the validator resolves it: "echo", "echo.shop" and "echo.shop.svc..." are one.
    String root =
        SmiValidator.serviceName(split.getSpec().getService(), split.getMetadata().getNamespace());
    List<TrafficSplitBackend> backends = split.getSpec().getBackends();
    Set<String> fields = new HashSet<>();
    for (int i = 0; i < backends.size(); i++) {
      TrafficSplitBackend b = backends.get(i);
      if (root != null && b != null && root.equals(b.getService())) {
        fields.add("spec.backends[" + i + "].service");
      }
    }
    return fields;
  }

  private static void planSplit(
      TrafficSplit split,
      Topology t,
      Predicate<String> meshed,
      Function<HasMetadata, List<SmiProblem>> validate,
      List<Problem> problems,
      Map<String, SplitPlan> byRoot) {
    String ns = split.getMetadata().getNamespace();
    String name = Topology.key(split);
    // A backend naming the root is reported here and only that backend is left out, so the
    // validator's own report of it must not reject the whole split. It is recognised by its field
    // (the backend's service, which names the root), never by the validator's wording: for such a
    // backend that is the only problem SmiValidator reports on that field.
    Set<String> rootBackendFields = rootBackendFields(split);
    List<SmiProblem> invalid =
        validate.apply(split).stream().filter(p -> !rootBackendFields.contains(p.field())).toList();
    if (!invalid.isEmpty()) {
      invalid.forEach(p -> problems.add(Problem.of(p)));
      return;
    }
    String root = rootName(split);
    Service rootSvc = t.service(ns, root);
    if (rootSvc == null) {
      problems.add(
          problem(
              split,
              "spec.service",
              "root Service '" + root + "' not found in namespace '" + ns + "'; split skipped",
              ProblemReason.SERVICE_NOT_FOUND));
      return;
    }
    if (!meshed.test(Topology.key(ns, root))) {
      problems.add(
          problem(
              split,
              "spec.service",
              "root Service '" + root + "' is not meshed (ignored or ExternalName); split skipped",
              ProblemReason.SERVICE_NOT_FOUND));
      return;
    }
    List<HttpMatch> matches = new ArrayList<>();
    List<L4Match> l4 = new ArrayList<>();
    boolean matchesOk = true;
    List<TrafficSplitMatch> refs = split.getSpec().getMatches();
    for (int i = 0; refs != null && i < refs.size(); i++) {
      String group = refs.get(i).getName();
      String field = "spec.matches[" + i + "].name";
      String kind = refs.get(i).getKind();
      if (SmiKinds.TCP_ROUTE.equals(kind) || SmiKinds.UDP_ROUTE.equals(kind)) {
        L4Match m = l4Match(split, kind, group, field, t, validate, problems);
        matchesOk &= m != null;
        if (m != null) {
          l4.add(m);
        }
        continue;
      }
      HTTPRouteGroup g = t.httpRouteGroups().get(Topology.key(ns, group));
      if (g == null) {
        problems.add(
            problem(
                split,
                field,
                "HTTPRouteGroup '" + group + "' not found in namespace '" + ns + "'; split skipped",
                ProblemReason.ROUTE_GROUP_NOT_FOUND));
        matchesOk = false;
      } else if (!validate.apply(g).isEmpty()) {
        problems.add(
            problem(
                split,
                field,
                "HTTPRouteGroup '" + group + "' is invalid (see its own problems); split skipped",
                ProblemReason.ROUTE_GROUP_NOT_FOUND));
        matchesOk = false;
      } else {
        matches.addAll(HttpMatches.of(g));
      }
    }
    if (!matchesOk) {
      return;
    }
    // Every request to the root that matches none of them evaluates them all (issue 13).
    long steps = matches.stream().mapToLong(TenantRegex::steps).sum();
    if (steps > TenantRegex.MAX_ROUTE_STEPS) {
      problems.add(
          problem(
              split,
              "spec.matches",
              "the regexes of its HTTPRouteGroups add up to "
                  + steps
                  + " steps; at most "
                  + TenantRegex.MAX_ROUTE_STEPS
                  + " are allowed per Service; split skipped",
              ProblemReason.INVALID_SPEC));
      return;
    }
    SplitPlan earlier = byRoot.get(Topology.key(ns, root));
    if (earlier != null) {
      problems.add(
          problem(
              split,
              "spec.service",
              "Service '"
                  + root
                  + "' is already split by TrafficSplit '"
                  + earlier.name
                  + "' (the oldest split wins); this split is ignored",
              ProblemReason.DUPLICATE_SPLIT));
      return;
    }
    List<TrafficSplitBackend> usable = new ArrayList<>();
    List<Integer> indexes = new ArrayList<>();
    List<TrafficSplitBackend> backends = split.getSpec().getBackends();
    for (int i = 0; i < backends.size(); i++) {
      TrafficSplitBackend b = backends.get(i);
      String field = "spec.backends[" + i + "].service";
      if (b.getService().equals(root)) {
        problems.add(
            problem(
                split,
                field,
                "backend '" + b.getService() + "' is the root Service itself; backend left out",
                ProblemReason.INVALID_SPEC));
      } else if (t.service(ns, b.getService()) == null) {
        problems.add(
            problem(
                split,
                field,
                "backend Service '"
                    + b.getService()
                    + "' not found in namespace '"
                    + ns
                    + "'; backend left out",
                ProblemReason.BACKEND_NOT_FOUND));
      } else {
        usable.add(b);
        indexes.add(i);
      }
    }
    if (split.getSpec().allWeightsZero()) {
      problems.add(
          problem(
              split,
              "spec.backends",
              "all backend weights are 0: requests to '" + root + "' are answered with 503",
              ProblemReason.ZERO_WEIGHTS));
    }
    byRoot.put(
        Topology.key(ns, root),
        new SplitPlan(split, name, usable, indexes, List.copyOf(matches), List.copyOf(l4)));
  }

  /**
   * The ports a TrafficSplit's TCPRoute or UDPRoute match selects (SMI traffic-split v1alpha4), or
   * null, with a problem, when the route is missing or invalid.
   */
  private static L4Match l4Match(
      TrafficSplit split,
      String kind,
      String name,
      String field,
      Topology t,
      Function<HasMetadata, List<SmiProblem>> validate,
      List<Problem> problems) {
    String key = Topology.key(split.getMetadata().getNamespace(), name);
    boolean tcp = SmiKinds.TCP_ROUTE.equals(kind);
    HasMetadata route = tcp ? t.tcpRoutes().get(key) : t.udpRoutes().get(key);
    if (route == null || !validate.apply(route).isEmpty()) {
      problems.add(
          problem(
              split,
              field,
              kind
                  + " '"
                  + name
                  + (route == null
                      ? "' not found in namespace '" + split.getMetadata().getNamespace() + "'"
                      : "' is invalid (see its own problems)")
                  + "; split skipped",
              ProblemReason.ROUTE_GROUP_NOT_FOUND));
      return null;
    }
    PortMatch ports =
        tcp
            ? (((TCPRoute) route).getSpec() == null
                ? null
                : ((TCPRoute) route).getSpec().getMatches())
            : (((UDPRoute) route).getSpec() == null
                ? null
                : ((UDPRoute) route).getSpec().getMatches());
    return new L4Match(
        tcp ? Protocol.TCP : Protocol.UDP,
        ports == null || ports.getPorts() == null ? List.of() : List.copyOf(ports.getPorts()));
  }

  /** A TCPRoute or UDPRoute match of a split: the pod ports it selects, every port when empty. */
  record L4Match(Protocol kind, List<Integer> ports) {
    /**
     * Whether it selects the traffic of a listener: a TCPRoute the TCP or HTTP listeners (HTTP is
     * carried by TCP), a UDPRoute the UDP ones, on one of the pod ports behind the listener.
     */
    boolean selects(Protocol listener, Set<Integer> podPorts) {
      boolean kindFits = kind == Protocol.UDP ? listener == Protocol.UDP : listener != Protocol.UDP;
      return kindFits && (ports.isEmpty() || ports.stream().anyMatch(podPorts::contains));
    }
  }

  /** SMI kinds not compiled into routes yet are still validated, so users see their mistakes. */
  static void validateOthers(
      Topology t, Function<HasMetadata, List<SmiProblem>> validate, List<Problem> problems) {
    List<HasMetadata> others = new ArrayList<>();
    others.addAll(t.httpRouteGroups().values());
    others.addAll(t.tcpRoutes().values());
    others.addAll(t.udpRoutes().values());
    others.addAll(t.trafficTargets().values());
    for (HasMetadata o : others) {
      validate.apply(o).forEach(p -> problems.add(Problem.of(p)));
    }
  }
}
