package io.nodemesh.controller.compile;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.nodemesh.config.AccessConfig;
import io.nodemesh.config.EndpointConfig;
import io.nodemesh.config.Identities;
import io.nodemesh.config.ListenerAccess;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.ServicePolicy;
import io.nodemesh.controller.access.AccessCompiler;
import io.nodemesh.controller.common.IpLiteral;
import io.nodemesh.controller.common.ObjectFailure;
import io.nodemesh.controller.common.Problem;
import io.nodemesh.controller.compile.MeshCompiler.ServiceFacts;
import io.nodemesh.controller.compile.MeshCompiler.ServiceListeners;
import io.nodemesh.controller.compile.MeshCompiler.SplitPlan;
import io.nodemesh.controller.gamma.GammaRoutes;
import io.nodemesh.controller.gamma.RouteStatus;
import io.nodemesh.controller.topology.Topology;
import io.nodemesh.controller.topology.TopologyDelta;
import io.nodemesh.smi.SmiProblem;
import io.nodemesh.smi.SmiValidator;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What the previous compilation computed, kept so that the next one recomputes only what depends on
 * objects that changed (issue 7: a one-object change at 10,000 Services within 50 ms).
 *
 * <p>Sources replace a changed object and never modify one, so the compiler finds what changed by
 * object identity ({@link TopologyDelta}) and recomputes: the facts of changed Services (protocol,
 * policy, ports) and of the Services of changed Namespaces; the port allocation for the ports that
 * came or went; the split plans when a Service, TrafficSplit or HTTPRouteGroup changed; and the
 * listeners of every Service whose facts, ports, endpoints, plan or split backends changed. Every
 * other {@link ListenerConfig} is the very object of the previous config. The result is the same as
 * a compilation from scratch (a fresh memo), which {@code IncrementalCompileTest} checks after
 * every step of random change sequences.
 *
 * <p>Not thread-safe: one compiling thread owns it. A compilation that throws clears it, so the
 * next one starts from scratch.
 *
 * <p>What one object's compilation throws, {@code Error}s included, is caught where that object is
 * compiled ({@link ObjectFailure}): the object is reported and skipped, and its failed result is
 * memoized like any other, so it is tried again only when it changes.
 */
public final class CompileMemo {
  private static final Topology EMPTY = Topology.empty();

  private CompileSettings settings;
  // The topology of the previous compilation; null when nothing is memoized.
  private Topology topology;
  private PortAllocation allocation;
  private SortedSet<PortKey> exhausted = new TreeSet<>();
  // Meshed Services only.
  private final Map<String, ServiceFacts> facts = new HashMap<>();
  private final SortedMap<String, List<Problem>> factProblems = new TreeMap<>();
  private Map<String, SplitPlan> plans = Map.of();
  private Map<String, Set<String>> rootsByBackend = Map.of();
  private List<Problem> splitProblems = List.of();
  private volatile GammaRoutes.Plan gamma = GammaRoutes.Plan.empty();
  private final Map<String, List<ListenerConfig>> listenersByService = new HashMap<>();
  private final SortedMap<String, ListenerConfig> listeners = new TreeMap<>();
  private final SortedMap<String, List<Problem>> listenerProblems = new TreeMap<>();
  private List<Problem> otherProblems = List.of();
  private final Endpoints endpoints = new Endpoints();
  // ACL mode: the live pods by address, which decide which endpoints are kept (null until built).
  private PodAddresses podAddresses;
  private final Validations splitValidations = new Validations();
  private final Validations otherValidations = new Validations();
  // ACL mode: who is who (null when not computed yet), the rules, and each listener's access with
  // the endpoint IPs it was computed from, indexed both ways.
  private Map<String, String> identities;
  private final Map<String, String> identityIndex = new HashMap<>();
  // Pod IPs that are no IP address, by IP (the order the from-scratch compile reports them in).
  private final SortedMap<String, Problem> invalidIps = new TreeMap<>();
  private AccessCompiler.Rules rules;
  private List<Problem> accessProblems = List.of();
  private final SortedMap<String, ListenerAccess> access = new TreeMap<>();
  private final Map<String, Set<String>> ipsByListener = new HashMap<>();
  private final Map<String, Set<String>> listenersByIp = new HashMap<>();
  private final Set<String> accessDirty = new HashSet<>();
  // ACL mode: listeners whose access could not be computed (they deny everything), by key.
  private final SortedMap<String, Problem> listenerFailures = new TreeMap<>();
  private final SortedMap<String, List<Problem>> servicePortHints = new TreeMap<>();

  private CompileMemo() {}

  /** The GAMMA routes' conditions as of the last compilation, for the leader to write. */
  public List<RouteStatus> routeStatuses() {
    return gamma.statuses();
  }

  /** An empty memo: its first compilation computes everything. */
  public static CompileMemo create() {
    return new CompileMemo();
  }

  CompileResult compile(
      Topology t,
      CompileSettings s,
      PortAllocation allocationIn,
      MeshConfig previous,
      long nowMillis) {
    Objects.requireNonNull(t, "topology");
    Objects.requireNonNull(s, "settings");
    Objects.requireNonNull(allocationIn, "allocation");
    try {
      return compileChanges(t, s, allocationIn, previous, nowMillis);
    } catch (RuntimeException | Error e) {
      // Half-updated state must not leak into the next compilation.
      reset();
      throw e;
    }
  }

  private CompileResult compileChanges(
      Topology t,
      CompileSettings s,
      PortAllocation allocationIn,
      MeshConfig previous,
      long nowMillis) {
    if (topology == null || !s.equals(settings)) {
      reset();
      settings = s;
    }
    Topology before = topology == null ? EMPTY : topology;
    TopologyDelta delta = TopologyDelta.between(before, t);
    Set<String> dirty = new HashSet<>(delta.slices());
    Set<PortKey> gone = new HashSet<>();
    Set<PortKey> added = new HashSet<>();
    boolean meshedChanged = updateFacts(t, delta, dirty, gone, added);

    PortAllocation.Result allocated;
    PortAllocation allocatedBefore = allocation == null ? PortAllocation.empty() : allocation;
    if (allocation != null && allocationIn == allocation) {
      allocated = allocation.reallocate(gone, added, exhausted, s.ranges());
      // Kept keys keep their port; only these can have a new one (or none).
      for (Set<PortKey> keys : List.of(gone, added, exhausted)) {
        keys.forEach(k -> dirty.add(Topology.key(k.namespace(), k.service())));
      }
    } else {
      Set<PortKey> wanted = new HashSet<>();
      facts.values().forEach(f -> wanted.addAll(f.wanted().keySet()));
      allocated = allocationIn.allocate(wanted, s.ranges());
      for (PortKey k : wanted) {
        if (!Objects.equals(allocatedBefore.portOf(k), allocated.allocation().portOf(k))) {
          dirty.add(Topology.key(k.namespace(), k.service()));
        }
      }
    }
    allocation = allocated.allocation();
    exhausted = allocated.exhausted();

    if (meshedChanged
        || !delta.services().isEmpty()
        || delta.trafficSplits()
        || delta.httpRouteGroups()
        || delta.otherSmi()
        || delta.gatewayRoutes()) {
      // otherSmi: a split may select traffic by a TCPRoute's or UDPRoute's ports.
      replan(t, dirty);
    }
    for (Set<String> changed : List.of(delta.services(), delta.slices())) {
      for (String key : changed) {
        dirty.addAll(rootsByBackend.getOrDefault(key, Set.of()));
        endpoints.forget(key);
      }
    }
    Set<String> changedPodIps = s.acl() ? updatePodAddresses(before, t, delta, dirty) : Set.of();
    for (String key : dirty) {
      relist(t, key);
    }
    if (delta.httpRouteGroups() || delta.otherSmi()) {
      List<Problem> problems = new ArrayList<>();
      MeshCompiler.validateOthers(t, otherValidations::of, problems);
      otherValidations.finish();
      otherProblems = List.copyOf(problems);
    }

    List<ListenerConfig> list = new ArrayList<>(listeners.values());
    List<Problem> problems = new ArrayList<>(t.sourceProblems());
    factProblems.values().forEach(problems::addAll);
    exhausted.forEach(k -> problems.add(MeshCompiler.exhausted(k, s)));
    problems.addAll(splitProblems);
    listenerProblems.values().forEach(problems::addAll);
    problems.addAll(otherProblems);
    AccessConfig access =
        s.acl() ? access(t, delta, changedPodIps, problems) : AccessConfig.disabled();
    MeshConfig config =
        new MeshConfig(
            MeshCompiler.version(previous, list, access, s, nowMillis),
            s.meshDomain(),
            list,
            access);
    topology = t;
    return new CompileResult(config, MeshCompiler.dedupe(problems), allocation);
  }

  /**
   * Rereads the facts of changed Services and of the Services of changed Namespaces. Collects the
   * ports that are no longer or newly wanted, marks the Services whose listeners must be rebuilt,
   * and says whether any Service joined or left the mesh.
   */
  private boolean updateFacts(
      Topology t, TopologyDelta delta, Set<String> dirty, Set<PortKey> gone, Set<PortKey> added) {
    Set<String> candidates = new HashSet<>(delta.services());
    for (String ns : delta.namespaces()) {
      // Keys are namespace/name and '0' follows '/', so this is every Service of the namespace.
      candidates.addAll(t.services().subMap(ns + "/", ns + "0").keySet());
    }
    boolean meshedChanged = false;
    for (String key : candidates) {
      Service svc = t.services().get(key);
      ServiceFacts old = facts.get(key);
      List<Problem> failed = new ArrayList<>(1);
      boolean meshed =
          svc != null
              && ObjectFailure.guard(
                  svc,
                  () ->
                      MeshCompiler.meshed(
                          svc, t.namespaces().get(svc.getMetadata().getNamespace()), settings),
                  () -> true,
                  failed);
      if (failed.isEmpty() && (meshed ? old != null && old.service() == svc : old == null)) {
        continue;
      }
      // A Service whose facts cannot be read is meshed without ports: no listener, one problem.
      ServiceFacts now =
          !meshed
              ? null
              : failed.isEmpty()
                  ? ObjectFailure.guard(
                      svc, () -> MeshCompiler.facts(svc, settings), () -> null, failed)
                  : null;
      if (meshed && now == null) {
        now = new ServiceFacts(svc, ServicePolicy.defaults(), Map.of(), List.copyOf(failed));
      }
      Set<PortKey> oldKeys = old == null ? Set.of() : old.wanted().keySet();
      Set<PortKey> newKeys = now == null ? Set.of() : now.wanted().keySet();
      oldKeys.stream().filter(k -> !newKeys.contains(k)).forEach(gone::add);
      newKeys.stream().filter(k -> !oldKeys.contains(k)).forEach(added::add);
      if (now == null) {
        facts.remove(key);
        factProblems.remove(key);
      } else {
        facts.put(key, now);
        putOrRemove(factProblems, key, now.problems());
      }
      dirty.add(key);
      meshedChanged |= (old == null) != (now == null);
    }
    return meshedChanged;
  }

  /**
   * Plans the TrafficSplits again. A root whose plan is the same as before keeps the very same plan
   * object (so its listeners are not rebuilt); the others are marked dirty.
   */
  private void replan(Topology t, Set<String> dirty) {
    List<Problem> problems = new ArrayList<>();
    Map<String, SplitPlan> next =
        MeshCompiler.planSplits(t, facts::containsKey, splitValidations::of, problems);
    splitValidations.finish();
    GammaRoutes.Plan nextGamma = GammaRoutes.plan(t, facts::containsKey);
    problems.addAll(nextGamma.problems());
    GammaPrecedence.overrideSplits(next, nextGamma, problems);
    Map<String, Set<String>> byBackend = new HashMap<>();
    for (String root : GammaPrecedence.changedRoots(gamma, nextGamma)) {
      dirty.add(root);
    }
    nextGamma
        .byService()
        .forEach(
            (root, routes) ->
                routes
                    .backendKeys()
                    .forEach(b -> byBackend.computeIfAbsent(b, k -> new HashSet<>()).add(root)));
    gamma = nextGamma;
    Map<String, SplitPlan> stable = new HashMap<>();
    for (Map.Entry<String, SplitPlan> e : next.entrySet()) {
      SplitPlan old = plans.get(e.getKey());
      SplitPlan plan = e.getValue().sameAs(old) ? old : e.getValue();
      if (plan != old) {
        dirty.add(e.getKey());
      }
      stable.put(e.getKey(), plan);
      for (String backend : plan.backendKeys()) {
        byBackend.computeIfAbsent(backend, k -> new HashSet<>()).add(e.getKey());
      }
    }
    for (String root : plans.keySet()) {
      if (!next.containsKey(root)) {
        dirty.add(root);
      }
    }
    plans = stable;
    rootsByBackend = byBackend;
    splitProblems = List.copyOf(problems);
  }

  /** Rebuilds the listeners of one Service (none when it is not meshed). */
  private void relist(Topology t, String key) {
    List<ListenerConfig> old = listenersByService.remove(key);
    if (old != null) {
      old.forEach(l -> listeners.remove(l.key()));
      if (settings.acl()) {
        old.forEach(l -> accessDirty.add(l.key()));
      }
    }
    listenerProblems.remove(key);
    ServiceFacts f = facts.get(key);
    if (f == null) {
      return;
    }
    List<Problem> failed = new ArrayList<>(1);
    ServiceListeners built =
        ObjectFailure.guard(
            f.service(),
            () ->
                GammaPrecedence.applied(
                    MeshCompiler.listeners(f, allocation, plans.get(key), t, endpoints),
                    gamma.byService().get(key),
                    t,
                    (ns, svc, sp, out) -> endpoints.of(t, ns, svc, sp, out)),
            () -> new ServiceListeners(List.of(), List.copyOf(failed)),
            failed);
    listenersByService.put(key, built.listeners());
    built.listeners().forEach(l -> listeners.put(l.key(), l));
    if (settings.acl()) {
      built.listeners().forEach(l -> accessDirty.add(l.key()));
    }
    putOrRemove(listenerProblems, key, built.problems());
  }

  /**
   * ACL mode: the identity table updated for the pod IPs that changed, the rules recomputed when an
   * SMI object changed, and the access of the listeners that were rebuilt, whose endpoints' IPs
   * changed hands, or all of them when the rules changed.
   */
  private AccessConfig access(
      Topology t, TopologyDelta delta, Set<String> changedPodIps, List<Problem> problems) {
    Set<String> redo = new HashSet<>(accessDirty);
    accessDirty.clear();
    if (identities == null) {
      t.podsByIp().forEach(this::identify);
      identities = Identities.of(identityIndex);
      redo.addAll(listeners.keySet());
    } else if (!changedPodIps.isEmpty()) {
      Set<String> ips = changedPodIps;
      for (String ip : ips) {
        identityIndex.remove(ip);
        invalidIps.remove(ip);
        Pod pod = t.podsByIp().get(ip);
        if (pod != null) {
          identify(ip, pod);
        }
        redo.addAll(listenersByIp.getOrDefault(ip, Set.of()));
      }
      if (!ips.isEmpty()) {
        // A new table only when an identity changed: an unchanged one goes into the next config
        // as it is, uncopied.
        identities = Identities.of(identityIndex);
      }
    }
    if (rules == null || delta.httpRouteGroups() || delta.otherSmi()) {
      List<Problem> found = new ArrayList<>();
      AccessCompiler.Rules next = AccessCompiler.rules(t, found);
      if (!next.equals(rules)) {
        redo.addAll(listeners.keySet());
      }
      rules = next;
      accessProblems = List.copyOf(found);
    }
    for (String key : redo) {
      Set<String> oldIps = ipsByListener.remove(key);
      for (String ip : oldIps == null ? Set.<String>of() : oldIps) {
        Set<String> keys = listenersByIp.get(ip);
        keys.remove(key);
        if (keys.isEmpty()) {
          listenersByIp.remove(ip);
        }
      }
      access.remove(key);
      listenerFailures.remove(key);
      servicePortHints.remove(key);
      ListenerConfig l = listeners.get(key);
      if (l == null) {
        continue;
      }
      // A listener whose access cannot be computed has none, which the proxies read as deny.
      List<Problem> failed = new ArrayList<>(1);
      ListenerAccess la =
          ObjectFailure.guard(
              listenerService(l),
              () -> AccessCompiler.listenerAccess(l, identities, rules),
              () -> null,
              failed);
      if (la == null) {
        listenerFailures.put(key, failed.get(0));
        continue;
      }
      access.put(key, la);
      putOrRemove(servicePortHints, key, AccessCompiler.servicePortHints(l, identities, rules));
      Set<String> ips = AccessCompiler.endpointIps(l);
      ipsByListener.put(key, ips);
      ips.forEach(ip -> listenersByIp.computeIfAbsent(ip, k -> new HashSet<>()).add(key));
    }
    problems.addAll(invalidIps.values());
    problems.addAll(listenerFailures.values());
    servicePortHints.values().forEach(problems::addAll);
    problems.addAll(accessProblems);
    return new AccessConfig(true, identities, new ArrayList<>(access.values()));
  }

  /**
   * ACL mode: brings the pods by address up to date and marks the Services (and the split roots
   * using them) whose EndpointSlices name an address whose pod changed, since which endpoints they
   * keep depends on it. Returns the pod IPs that changed (none on a first compilation, which
   * computes everything anyway).
   */
  private Set<String> updatePodAddresses(
      Topology before, Topology t, TopologyDelta delta, Set<String> dirty) {
    if (podAddresses == null) {
      podAddresses = PodAddresses.of(t.podsByIp());
      endpoints.pods = podAddresses;
      return Set.of();
    }
    if (!delta.pods()) {
      return Set.of();
    }
    Set<String> ips = TopologyDelta.changedKeys(before.podsByIp(), t.podsByIp(), (a, b) -> a == b);
    for (String ip : ips) {
      Pod old = before.podsByIp().get(ip);
      if (old != null) {
        podAddresses.remove(ip, old);
      }
      Pod now = t.podsByIp().get(ip);
      if (now != null) {
        podAddresses.add(ip, now);
      }
      for (String key : endpoints.servicesAt(IpLiteral.canonical(ip))) {
        dirty.add(key);
        dirty.addAll(rootsByBackend.getOrDefault(key, Set.of()));
        endpoints.forget(key);
      }
    }
    return ips;
  }

  /** The Service a listener was built for, to name in a problem. */
  private Service listenerService(ListenerConfig l) {
    ServiceFacts f = facts.get(Topology.key(l.namespace(), l.service()));
    return f == null ? null : f.service();
  }

  private void identify(String ip, Pod pod) {
    List<Problem> invalid = new ArrayList<>(1);
    // A pod whose identity cannot be read has none: its IP is denied everywhere.
    String sa =
        ObjectFailure.guard(
            pod, () -> AccessCompiler.identity(ip, pod, invalid), () -> null, invalid);
    if (sa != null) {
      identityIndex.put(ip, sa);
    } else {
      invalidIps.put(ip, invalid.get(0));
    }
  }

  private static void putOrRemove(
      SortedMap<String, List<Problem>> map, String key, List<Problem> problems) {
    if (problems.isEmpty()) {
      map.remove(key);
    } else {
      map.put(key, problems);
    }
  }

  private void reset() {
    settings = null;
    topology = null;
    allocation = null;
    exhausted = new TreeSet<>();
    facts.clear();
    factProblems.clear();
    plans = Map.of();
    rootsByBackend = Map.of();
    splitProblems = List.of();
    gamma = GammaRoutes.Plan.empty();
    listenersByService.clear();
    listeners.clear();
    listenerProblems.clear();
    otherProblems = List.of();
    endpoints.clear();
    podAddresses = null;
    splitValidations.clear();
    otherValidations.clear();
    identities = null;
    identityIndex.clear();
    invalidIps.clear();
    rules = null;
    accessProblems = List.of();
    access.clear();
    ipsByListener.clear();
    listenersByIp.clear();
    accessDirty.clear();
    listenerFailures.clear();
    servicePortHints.clear();
  }

  /**
   * The endpoint lists of each Service port, reused while the Service's EndpointSlices are the very
   * same objects: a split's backends are shared by several listeners, and a rebuilt listener
   * usually has unchanged endpoints.
   */
  static final class Endpoints {
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
                MeshCompiler.endpoints(t, namespace, service, sp, pods, found),
                List.copyOf(found));
        ports.put(port, e);
        if (pods != null) {
          index(Topology.key(namespace, service), slices);
        }
      }
      problems.addAll(e.problems());
      return e.endpoints();
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
  }

  /**
   * {@link SmiValidator#validate} results by object identity, kept from one pass to the next; what
   * a pass did not ask for is dropped.
   */
  private static final class Validations {
    private IdentityHashMap<HasMetadata, List<SmiProblem>> previous = new IdentityHashMap<>();
    private IdentityHashMap<HasMetadata, List<SmiProblem>> current = new IdentityHashMap<>();

    List<SmiProblem> of(HasMetadata o) {
      return current.computeIfAbsent(
          o,
          k -> {
            List<SmiProblem> p = previous.get(k);
            return p != null ? p : validate(k);
          });
    }

    /** The validator's problems; when validating throws, one that makes the object invalid. */
    private static List<SmiProblem> validate(HasMetadata o) {
      try {
        return SmiValidator.validate(o);
      } catch (Throwable t) {
        Problem p = ObjectFailure.problem(o, t);
        return List.of(new SmiProblem(p.kind(), p.namespace(), p.name(), p.field(), p.message()));
      }
    }

    void finish() {
      previous = current;
      current = new IdentityHashMap<>();
    }

    void clear() {
      previous.clear();
      current.clear();
    }
  }
}
