package io.nodemesh.cli.inputs;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.nodemesh.controller.compile.MeshCompiler;
import io.nodemesh.controller.compile.PolicyAnnotations;
import io.nodemesh.smi.HTTPMatch;
import io.nodemesh.smi.HTTPRouteGroup;
import io.nodemesh.smi.HTTPRouteGroupSpec;
import io.nodemesh.smi.IdentityBindingSubject;
import io.nodemesh.smi.SmiKinds;
import io.nodemesh.smi.TCPMatch;
import io.nodemesh.smi.TCPRoute;
import io.nodemesh.smi.TCPRouteSpec;
import io.nodemesh.smi.TrafficSplit;
import io.nodemesh.smi.TrafficSplitBackend;
import io.nodemesh.smi.TrafficSplitMatch;
import io.nodemesh.smi.TrafficSplitSpec;
import io.nodemesh.smi.TrafficTarget;
import io.nodemesh.smi.TrafficTargetRule;
import io.nodemesh.smi.TrafficTargetSpec;
import io.nodemesh.smi.UDPMatch;
import io.nodemesh.smi.UDPRoute;
import io.nodemesh.smi.UDPRouteSpec;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.random.RandomGenerator;

/**
 * A random cluster from one seed: Services, EndpointSlices, Pods, Namespaces and SMI objects,
 * mostly plausible and often broken in the ways the API server lets through (and, for local mode's
 * YAML, ways it would not). Every fault it puts in on purpose is recorded as an {@link Expected}
 * problem, so a test can check that the compiler reports it; annotations it sets to a value that
 * must be accepted are recorded too.
 */
final class RandomCluster {
  static final String MESH_NAMESPACE = "nodemesh";

  /**
   * A problem the compiler must report: on this object, and (when not null) on this field or one
   * under it; when {@code ifListenerFor} is not null, only if that Service ({@code namespace/name})
   * got a listener (its slices are read only then).
   */
  record Expected(
      String kind, String namespace, String name, String field, String why, String ifListenerFor) {
    Expected(String kind, String namespace, String name, String field, String why) {
      this(kind, namespace, name, field, why, null);
    }
  }

  /** An annotation value the compiler must accept without a problem. */
  record Accepted(String namespace, String service, String annotation, String value) {}

  /**
   * One generated cluster.
   *
   * @param objects everything, in the order a source would list it
   * @param expected problems that must be reported whatever else is wrong
   * @param expectedWithAcl problems that must be reported when ACL mode is on
   * @param accepted annotations that must not be reported
   * @param meshed {@code namespace/name} of the Services that must be meshed
   */
  record Cluster(
      List<HasMetadata> objects,
      List<Expected> expected,
      List<Expected> expectedWithAcl,
      List<Accepted> accepted,
      List<String> meshed) {}

  private static final String[] NAMESPACES = {
    "shop", "a", "default", "x-1", MESH_NAMESPACE, "kube-system", "n" + "s".repeat(61) + "z"
  };
  // The last few only local mode's YAML can hold: the API server refuses them as Service names.
  private static final String[] WORDS = {
    "echo",
    "web",
    "api",
    "db",
    "v1",
    "v2",
    "grpc",
    "dns",
    "cache",
    "a",
    "x-y-z",
    "9lives",
    "very-long-" + "n".repeat(40) + "-name",
    "UPPER",
    "a.b",
    "under_score",
    "-dash-",
    "\u00fcml\u00e4ut"
  };
  private static final String[] GOOD_IPS = {
    "10.0.0.1",
    "10.0.0.2",
    "10.1.2.3",
    "192.168.7.9",
    "fd00::1",
    "fd00::2",
    "::1",
    "2001:db8::42",
    "127.0.0.2",
    "0.0.0.0"
  };
  private static final String[] BAD_IPS = {
    "not-an-ip",
    "999.1.1.1",
    "1.2.3",
    "10.0.0.256",
    "fd00::g",
    ":::1",
    "10.0.0.1 ",
    " ",
    "",
    "10.0.0.1/24",
    "fe80::1%eth0",
    "1.2.3.4.5",
    "localhost",
    "0x7f.0.0.1"
  };
  private static final String[] REGEXES = {
    "/api/.*", "/", ".*", "/v[0-9]+/items", "^/x$", "/(a|b)"
  };
  private static final String[] BAD_REGEXES = {"(", "[a-", "*x", "a{2,1}", "(?<n>", "\\"};
  // Valid on RE2 and catastrophic on a backtracking engine (issue 13): accepted, and harmless.
  private static final String[] PATHOLOGICAL = {
    "/(.*a){12}$", "(a+)+$", "(a|aa)+$", "((a*)*)*b", "(x+x+)+y", "(.*){10}z"
  };
  // Backreferences, lookaround, possessive quantifiers, atomic groups: refused with a problem.
  private static final String[] BACKTRACKING_ONLY = {
    "(a)\\1", "/(?=admin)", "(?<=x)y", "a*+", "(?>a)", "/(?!public)"
  };

  private final RandomGenerator rnd;
  private final List<HasMetadata> objects = new ArrayList<>();
  private final List<Expected> expected = new ArrayList<>();
  private final List<Expected> expectedWithAcl = new ArrayList<>();
  private final List<Accepted> accepted = new ArrayList<>();
  private final List<String> meshed = new ArrayList<>();

  /** Service names by namespace, for references that resolve. */
  private final Map<String, List<String>> servicesByNs = new LinkedHashMap<>();

  private final Map<String, List<String>> groupsByNs = new HashMap<>();
  private final Map<String, List<String>> tcpRoutesByNs = new HashMap<>();
  private final Map<String, List<String>> udpRoutesByNs = new HashMap<>();
  private final Map<String, Boolean> nsIgnored = new HashMap<>();
  private final Map<String, Integer> names = new HashMap<>();
  private final List<String> badPodIps = new ArrayList<>(List.of(BAD_IPS));

  private RandomCluster(RandomGenerator rnd) {
    this.rnd = rnd;
  }

  static Cluster generate(long seed) {
    return generate(new Random(seed));
  }

  /** A cluster from any source of choices: a seeded {@link Random}, or a fuzzer's input. */
  static Cluster generate(RandomGenerator rnd) {
    RandomCluster g = new RandomCluster(rnd);
    g.build();
    return new Cluster(
        List.copyOf(g.objects),
        List.copyOf(g.expected),
        List.copyOf(g.expectedWithAcl),
        List.copyOf(g.accepted),
        List.copyOf(g.meshed));
  }

  private void build() {
    for (String ns : NAMESPACES) {
      if (rnd.nextInt(4) == 0) {
        boolean ignored = rnd.nextInt(3) == 0;
        nsIgnored.put(ns, ignored);
        Namespace n =
            new NamespaceBuilder()
                .withNewMetadata()
                .withName(ns)
                .withLabels(
                    ignored ? Map.of(MeshCompiler.IGNORE_LABEL, pick("true", "TRUE")) : Map.of())
                .endMetadata()
                .build();
        objects.add(n);
      }
    }
    int services = rnd.nextInt(14);
    for (int i = 0; i < services; i++) {
      service();
    }
    for (int i = rnd.nextInt(6); i > 0; i--) {
      pod();
    }
    for (int i = rnd.nextInt(4); i > 0; i--) {
      routeGroup();
    }
    for (int i = rnd.nextInt(3); i > 0; i--) {
      portRoute(true);
    }
    for (int i = rnd.nextInt(3); i > 0; i--) {
      portRoute(false);
    }
    for (int i = rnd.nextInt(5); i > 0; i--) {
      split();
    }
    for (int i = rnd.nextInt(4); i > 0; i--) {
      trafficTarget();
    }
    // A source lists objects in no particular order.
    Collections.shuffle(objects, rnd);
  }

  // ---- Services and their slices

  private void service() {
    String ns = pick(NAMESPACES);
    String name = uniqueName(ns);
    String type = pick("ClusterIP", "ClusterIP", "NodePort", "LoadBalancer", "ExternalName", null);
    boolean headless = rnd.nextInt(6) == 0;
    boolean ignoredLabel = rnd.nextInt(12) == 0;
    boolean noSpec = rnd.nextInt(30) == 0;
    boolean isMeshed =
        !noSpec
            && !"ExternalName".equals(type)
            && !ignoredLabel
            && !ns.equals(MESH_NAMESPACE)
            && !ns.equals("kube-system")
            && !nsIgnored.getOrDefault(ns, false);
    Map<String, String> annotations = annotations(ns, name, isMeshed);
    List<ServicePort> ports = new ArrayList<>();
    int count = rnd.nextInt(7);
    List<Integer> seen = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      ports.add(servicePort(ns, name, i, isMeshed, seen));
    }
    Map<String, String> labels = new HashMap<>();
    if (ignoredLabel) {
      labels.put(MeshCompiler.IGNORE_LABEL, "true");
    }
    ServiceBuilder b =
        new ServiceBuilder()
            .withNewMetadata()
            .withNamespace(ns)
            .withName(name)
            .withLabels(labels)
            .withAnnotations(annotations)
            .endMetadata()
            .withNewSpec()
            .withType(type)
            .withClusterIP(headless ? "None" : null)
            .withSelector(rnd.nextBoolean() ? Map.of("app", name) : null)
            .withExternalName("ExternalName".equals(type) ? "example.com" : null)
            .withPorts(ports)
            .endSpec();
    Service service = b.build();
    if (noSpec) {
      service.setSpec(null);
    }
    objects.add(service);
    servicesByNs.computeIfAbsent(ns, k -> new ArrayList<>()).add(name);
    if (isMeshed) {
      meshed.add(ns + "/" + name);
    }
    for (int i = rnd.nextInt(4); i > 0; i--) {
      slice(ns, rnd.nextInt(8) == 0 ? "no-such-service" : name, ports, isMeshed);
    }
  }

  private ServicePort servicePort(
      String ns, String svc, int index, boolean isMeshed, List<Integer> seen) {
    Integer port;
    boolean bad = false;
    switch (rnd.nextInt(12)) {
      case 0 -> {
        port = pick(0, -1, 65536, 70000, Integer.MAX_VALUE, Integer.MIN_VALUE);
        bad = true;
      }
      case 1 -> {
        port = null;
        bad = true;
      }
      case 2 -> {
        port = seen.isEmpty() ? 80 : seen.get(rnd.nextInt(seen.size()));
        if (!seen.isEmpty() && isMeshed) {
          expected.add(
              new Expected("Service", ns, svc, "spec.ports[" + index + "]", "duplicate " + port));
        }
      }
      default -> port = pick(80, 443, 8080, 53, 1, 65535, 9000 + rnd.nextInt(100));
    }
    if (bad && isMeshed) {
      expected.add(
          new Expected("Service", ns, svc, "spec.ports[" + index + "].port", "port " + port));
    }
    if (!bad) {
      seen.add(port);
    }
    Object target =
        switch (rnd.nextInt(5)) {
          case 0 -> null;
          case 1 -> new IntOrString(pick("http", "metrics", "", "UPPER", "a".repeat(20)));
          case 2 -> new IntOrString(pick(0, -5, 70000, 8080));
          default -> new IntOrString(8080 + rnd.nextInt(3));
        };
    return new ServicePortBuilder()
        .withName(pick(null, "", "http", "grpc", "tcp-x", "metrics", "UPPER", "a.b", "p" + index))
        .withPort(port)
        .withProtocol(pick("TCP", "TCP", "UDP", "SCTP", null, "tcp", "garbage"))
        .withAppProtocol(pick(null, "http", "h2c", "kubernetes.io/h2c", "grpc", "https", "??", ""))
        .withTargetPort((IntOrString) target)
        .build();
  }

  private void slice(String ns, String service, List<ServicePort> ports, boolean isMeshed) {
    String name = uniqueName(ns) + "-slice";
    String addressType = pick("IPv4", "IPv4", "IPv6", "FQDN", null);
    List<EndpointPort> eps = new ArrayList<>();
    boolean badPort = false;
    for (ServicePort sp : ports) {
      if (rnd.nextInt(5) == 0) {
        continue;
      }
      Integer port =
          switch (rnd.nextInt(10)) {
            case 0 -> pick(null, 0, 70000, -1);
            default -> 8080 + rnd.nextInt(3);
          };
      badPort |= port != null && (port < 1 || port > 65535);
      eps.add(
          new EndpointPort(
              null,
              rnd.nextInt(10) == 0 ? "not-" + sp.getName() : sp.getName(),
              port,
              pick("TCP", "UDP", null)));
    }
    if (rnd.nextInt(10) == 0) {
      eps = null;
      badPort = false;
    }
    boolean badIp = false;
    List<Endpoint> endpoints = new ArrayList<>();
    for (int i = rnd.nextInt(5); i > 0; i--) {
      boolean none = rnd.nextInt(15) == 0;
      List<String> addresses = new ArrayList<>();
      for (int a = 1 + rnd.nextInt(2); a > 0; a--) {
        if (rnd.nextInt(10) == 0) {
          addresses.add(pick(BAD_IPS));
          badIp |= !none;
        } else {
          addresses.add(pick(GOOD_IPS));
        }
      }
      if (rnd.nextInt(15) == 0) {
        addresses.add(null);
      }
      EndpointBuilder e =
          new EndpointBuilder()
              .withAddresses(none ? null : addresses)
              .withNodeName(pick(null, "node-a", "node-b", ""));
      if (rnd.nextBoolean()) {
        e.withNewConditions()
            .withReady(pick(null, true, false))
            .withServing(pick(null, true, false))
            .withTerminating(pick(null, true, false))
            .endConditions();
      }
      endpoints.add(e.build());
      if (rnd.nextInt(6) == 0) {
        endpoints.add(endpoints.getFirst());
      }
    }
    Map<String, String> labels = new HashMap<>();
    if (rnd.nextInt(12) != 0) {
      labels.put("kubernetes.io/service-name", service);
    }
    EndpointSlice slice =
        new EndpointSliceBuilder()
            .withNewMetadata()
            .withNamespace(ns)
            .withName(name)
            .withLabels(labels)
            .endMetadata()
            .withAddressType(addressType)
            .withPorts(eps)
            .withEndpoints(rnd.nextInt(12) == 0 ? null : endpoints)
            .build();
    objects.add(slice);
    // What a proxy cannot use must not reach it, and must be reported: an address that is not an
    // IP literal, a port outside 1..65535. FQDN slices are not read at all.
    boolean read =
        isMeshed
            && labels.containsKey("kubernetes.io/service-name")
            && service.equals(labelled(ns, service))
            && !"FQDN".equals(addressType);
    String owner = ns + "/" + service;
    if (read && badIp && slice.getEndpoints() != null) {
      expected.add(
          new Expected("EndpointSlice", ns, name, "endpoints", "address not an IP", owner));
    }
    if (read && badPort) {
      expected.add(new Expected("EndpointSlice", ns, name, "ports", "port out of range", owner));
    }
  }

  private String labelled(String ns, String service) {
    return servicesByNs.getOrDefault(ns, List.of()).contains(service) ? service : null;
  }

  // ---- annotations

  private Map<String, String> annotations(String ns, String svc, boolean isMeshed) {
    Map<String, String> out = new HashMap<>();
    if (rnd.nextInt(3) == 0) {
      return out;
    }
    List<String> keys = new ArrayList<>(PolicyAnnotations.ALL);
    keys.add(MeshCompiler.TRAFFIC_TYPE_ANNOTATION);
    for (String key : keys) {
      int dice = rnd.nextInt(10);
      if (dice < 6) {
        continue;
      }
      String value;
      if (dice < 8) {
        value = good(key);
        // retry-backoff-max is checked against retry-backoff, so a good value alone can still be
        // reported; everything else must pass.
        if (isMeshed && !key.equals(PolicyAnnotations.RETRY_BACKOFF_MAX)) {
          accepted.add(new Accepted(ns, svc, key, value));
        }
      } else {
        value = bad(key);
        if (isMeshed) {
          expected.add(
              new Expected(
                  "Service", ns, svc, "metadata.annotations[" + key + "]", "value " + value));
        }
      }
      out.put(key, value);
    }
    if (rnd.nextInt(5) == 0) {
      out.put("nodemesh.io/unknown-" + rnd.nextInt(3), "whatever");
    }
    return out;
  }

  private String good(String key) {
    return switch (key.substring(PolicyAnnotations.PREFIX.length())) {
      case "traffic-type" -> pick("http", "tcp", "udp", "HTTP");
      case "scheme" -> pick("http", "h2c", "https");
      case "lb-policy" -> pick("round-robin", "least-request", "random", "ewma", "consistent-hash");
      case "lb-hash-key" -> pick("source-ip", "header:X-User", "cookie:session");
      case "prefer-same-node", "ratelimit-per-source", "allow-encoded-slashes" ->
          pick("true", "false", "True");
      case "connect-timeout", "timeout", "retry-timeout" ->
          pick("250ms", "5s", "1m30s", "0", "1.5s", "24h");
      // Above 5m a UDP Service's idle timeout is reported (proxies cut it to that bound).
      case "idle-timeout" -> pick("250ms", "5s", "1m30s", "0", "1.5s", "5m");
      case "retry-backoff",
          "retry-backoff-max",
          "circuit-breaker-window",
          "circuit-breaker-open",
          "outlier-ejection" ->
          pick("25ms", "1s", "10s", "2m");
      case "retry-attempts" -> String.valueOf(rnd.nextInt(11));
      case "retry-budget", "circuit-breaker-ratio" -> pick("0.2", "20%", "0", "1", "100%");
      case "outlier-max-percent" -> String.valueOf(rnd.nextInt(101));
      case "circuit-breaker-half-open-requests" -> String.valueOf(1 + rnd.nextInt(1000));
      case "circuit-breaker-min-requests", "ratelimit-burst" ->
          String.valueOf(1 + rnd.nextInt(1000));
      case "ratelimit-average" -> pick("0", "10", "0.5", "1000000");
      case "upgrade-protocols" -> pick("websocket", "none", "websocket,foo", "WebSocket, foo");
      case "max-connections" -> String.valueOf(rnd.nextInt(1_000_001));
      default -> String.valueOf(rnd.nextInt(1000)); // counts with 0 allowed
    };
  }

  private String bad(String key) {
    String common =
        pick(
            "",
            " ",
            "abc",
            "-1",
            "NaN",
            "Infinity",
            "1e400",
            "99999999999999999999",
            "\u00e9",
            "5x",
            "%",
            "x".repeat(300),
            "0x10",
            "1,5",
            "5s\nWARNING: forged log line",
            "\u0007");
    return switch (key.substring(PolicyAnnotations.PREFIX.length())) {
      case "lb-hash-key" -> pick("header:", "cookie:a b", "source-ip:x", "nope", "header:\u00e9");
      case "connect-timeout", "timeout", "idle-timeout", "retry-timeout", "retry-backoff" ->
          pick("25h", "-1s", "1d", "5", "ms", "1m-30s", common);
      case "circuit-breaker-window", "circuit-breaker-open", "outlier-ejection" ->
          pick("0", "0s", "25h", common);
      case "retry-attempts" -> pick("11", "1.5", common);
      case "outlier-max-percent" -> pick("101", common);
      case "circuit-breaker-half-open-requests" -> pick("0", "1001", common);
      case "circuit-breaker-min-requests", "ratelimit-burst" -> pick("0", common);
      case "retry-budget", "circuit-breaker-ratio" -> pick("1.5", "101%", "-0.1", common);
      case "ratelimit-average" -> pick("-1", "1e10", common);
      case "retry-backoff-max" -> pick("25h", "1d", common);
      // h2c is never forwarded; a space or a non-token character is no protocol name.
      case "upgrade-protocols" ->
          pick(
              "h2c",
              "websocket,h2c",
              "a b",
              "",
              " ",
              ",",
              "\u00e9",
              "x".repeat(300),
              "5s\nWARNING: forged log line");
      case "max-connections" -> pick("1000001", common);
      default -> common;
    };
  }

  // ---- pods

  private void pod() {
    String ns = pick(NAMESPACES);
    String name = uniqueName(ns) + "-pod";
    // Each bad IP once: two pods on one IP identify neither, and then neither is reported.
    String ip =
        rnd.nextInt(8) == 0 && !badPodIps.isEmpty()
            ? badPodIps.remove(rnd.nextInt(badPodIps.size()))
            : pick(GOOD_IPS);
    boolean deleted = rnd.nextInt(8) == 0;
    Boolean hostNetwork = pick(null, false, true);
    String phase = pick(null, "Running", "Pending", "Succeeded", "Failed");
    if (!contains(GOOD_IPS, ip)
        && !deleted
        && !Boolean.TRUE.equals(hostNetwork)
        && !"Succeeded".equals(phase)
        && !"Failed".equals(phase)) {
      expectedWithAcl.add(new Expected("Pod", ns, name, "status.podIP", "not an IP"));
    }
    Pod p =
        new PodBuilder()
            .withNewMetadata()
            .withNamespace(ns)
            .withName(name)
            .withDeletionTimestamp(deleted ? "2026-01-01T00:00:00Z" : null)
            .endMetadata()
            .withNewSpec()
            .withServiceAccountName(pick(null, "", "default", "shop-sa", "web"))
            .withHostNetwork(hostNetwork)
            .endSpec()
            .withNewStatus()
            .withPodIP(ip)
            .withPhase(phase)
            .endStatus()
            .build();
    objects.add(p);
  }

  // ---- SMI

  private void routeGroup() {
    String ns = pick(NAMESPACES);
    String name = uniqueName(ns) + "-routes";
    ObjectMeta meta = meta(ns, name);
    HTTPRouteGroup g = new HTTPRouteGroup();
    g.setMetadata(meta);
    boolean bad = false;
    List<HTTPMatch> matches = new ArrayList<>();
    int count = rnd.nextInt(4);
    if (count == 0 && rnd.nextBoolean()) {
      matches = null;
    }
    bad |= count == 0;
    for (int i = 0; i < count; i++) {
      boolean badPath = rnd.nextInt(8) == 0;
      String path = badPath ? badRegex() : pick(null, goodRegex());
      bad |= badPath;
      List<String> methods = null;
      if (rnd.nextBoolean()) {
        methods = new ArrayList<>();
        methods.add(pick("GET", "POST", "*", "PATCH"));
        if (rnd.nextInt(8) == 0) {
          methods.add(pick("get", "FETCH", "", "G E T", "GET\r\nX-Forged: 1"));
          bad = true;
        }
      }
      Map<String, String> headers = null;
      if (rnd.nextInt(3) == 0) {
        headers = new HashMap<>();
        boolean badValue = rnd.nextInt(8) == 0;
        String value = badValue ? badRegex() : goodRegex();
        bad |= badValue;
        String header = pick("X-User", "content-type", "x-v", " ");
        bad |= header.isBlank();
        headers.put(header, value);
      }
      String matchName = rnd.nextInt(12) == 0 ? pick(null, "") : "m" + (i % 3);
      bad |= matchName == null || matchName.isEmpty() || i >= 3;
      matches.add(new HTTPMatch(matchName, path, methods, headers));
    }
    g.setSpec(rnd.nextInt(15) == 0 ? null : new HTTPRouteGroupSpec(matches));
    bad |= g.getSpec() == null;
    objects.add(g);
    if (bad) {
      expected.add(new Expected(SmiKinds.HTTP_ROUTE_GROUP, ns, name, null, "invalid group"));
    } else {
      groupsByNs.computeIfAbsent(ns, k -> new ArrayList<>()).add(name);
    }
  }

  /** A regex every proxy must accept: usual, nested, or catastrophic on backtracking. */
  private String goodRegex() {
    return switch (rnd.nextInt(4)) {
      case 0, 1 -> pick(REGEXES);
      case 2 -> pick(PATHOLOGICAL);
      default -> nested(1 + rnd.nextInt(40), true);
    };
  }

  /** A regex that must be refused: bad syntax, backtracking-only, too long or too big. */
  private String badRegex() {
    return switch (rnd.nextInt(5)) {
      case 0 -> pick(BAD_REGEXES);
      case 1 -> pick(BACKTRACKING_ONLY);
      // Deeper than any length bound allows (the 20,000-deep regex among them).
      case 2 -> nested(pick(600, 2_000, 20_000), rnd.nextBoolean());
      case 3 -> "/" + "x".repeat(1025 + rnd.nextInt(3000));
      // Counted repetitions that multiply: a small text, a huge program.
      default -> "((a{" + (10 + rnd.nextInt(990)) + "}){" + (10 + rnd.nextInt(990)) + "})";
    };
  }

  /** {@code depth} nested groups around "a", each maybe quantified. */
  private String nested(int depth, boolean quantified) {
    StringBuilder b = new StringBuilder(depth * 3 + 1);
    b.append("(".repeat(depth)).append('a');
    for (int i = 0; i < depth; i++) {
      b.append(')');
      if (quantified) {
        b.append(pick("", "*", "+", "?"));
      }
    }
    return b.toString();
  }

  private void portRoute(boolean tcp) {
    String ns = pick(NAMESPACES);
    String name = uniqueName(ns) + (tcp ? "-tcp" : "-udp");
    List<Integer> ports = null;
    boolean bad = false;
    if (rnd.nextBoolean()) {
      ports = new ArrayList<>();
      for (int i = rnd.nextInt(4); i > 0; i--) {
        // What "1-70000", "9-3" or "a-b" in YAML would have to become: numbers outside 1..65535,
        // or nothing at all.
        if (rnd.nextInt(5) == 0) {
          ports.add(pick(0, -3, 70000, 65536, null));
          bad = true;
        } else {
          ports.add(pick(80, 53, 8080, 65535, 1));
        }
      }
    }
    ObjectMeta meta = meta(ns, name);
    boolean noSpec = rnd.nextInt(10) == 0;
    bad &= !noSpec;
    if (tcp) {
      TCPRoute r = new TCPRoute();
      r.setMetadata(meta);
      r.setSpec(noSpec ? null : new TCPRouteSpec(new TCPMatch("m", ports)));
      objects.add(r);
    } else {
      UDPRoute r = new UDPRoute();
      r.setMetadata(meta);
      r.setSpec(noSpec ? null : new UDPRouteSpec(new UDPMatch("m", ports)));
      objects.add(r);
    }
    String kind = tcp ? SmiKinds.TCP_ROUTE : SmiKinds.UDP_ROUTE;
    if (bad) {
      expected.add(new Expected(kind, ns, name, "spec.matches.ports", "port out of range"));
    } else {
      (tcp ? tcpRoutesByNs : udpRoutesByNs).computeIfAbsent(ns, k -> new ArrayList<>()).add(name);
    }
  }

  private void split() {
    String ns = pick(NAMESPACES);
    String name = uniqueName(ns) + "-split";
    List<String> svcs = servicesByNs.getOrDefault(ns, List.of());
    String root =
        switch (rnd.nextInt(10)) {
          case 0 -> "missing-root";
          case 1 -> pick(null, "", "a.other-ns", "x..y");
          case 2 -> svcs.isEmpty() ? "echo" : pick(svcs) + "." + ns + ".svc.cluster.local";
          default -> svcs.isEmpty() ? "echo" : pick(svcs);
        };
    boolean broken =
        svcs.isEmpty()
            || root == null
            || root.isEmpty()
            || root.equals("missing-root")
            || root.contains("..")
            || root.contains(".other");
    boolean noSpec = rnd.nextInt(15) == 0;
    List<TrafficSplitBackend> backends = new ArrayList<>();
    int count = rnd.nextInt(4);
    for (int i = 0; i < count; i++) {
      String svc =
          switch (rnd.nextInt(10)) {
            case 0 -> "missing-backend";
            case 1 -> root; // self-reference
            case 2 -> pick(null, "");
            default -> svcs.isEmpty() ? "v1" : pick(svcs);
          };
      Integer weight =
          switch (rnd.nextInt(10)) {
            case 0 -> pick(null, -1, Integer.MIN_VALUE);
            case 1 -> pick(0, Integer.MAX_VALUE, Integer.MAX_VALUE - 1, 1_000_000_000);
            default -> rnd.nextInt(101);
          };
      String field = "spec.backends[" + i + "]";
      boolean nullBackend = rnd.nextInt(20) == 0;
      if (!noSpec && !nullBackend) {
        if (weight == null || weight < 0) {
          expected.add(new Expected(SmiKinds.TRAFFIC_SPLIT, ns, name, field + ".weight", "weight"));
        }
        if (svc == null || svc.isEmpty()) {
          expected.add(new Expected(SmiKinds.TRAFFIC_SPLIT, ns, name, field + ".service", "blank"));
        }
      }
      broken |= svc != null && svc.equals(root) || "missing-backend".equals(svc);
      backends.add(nullBackend ? null : new TrafficSplitBackend(svc, weight));
    }
    broken |= count == 0 || backends.contains(null);
    List<TrafficSplitMatch> matches = null;
    if (rnd.nextInt(3) == 0) {
      matches = new ArrayList<>();
      List<String> groups = groupsByNs.getOrDefault(ns, List.of());
      String group = rnd.nextInt(4) == 0 || groups.isEmpty() ? "missing-group" : pick(groups);
      broken |= group.equals("missing-group");
      String kind = rnd.nextInt(10) == 0 ? "TCPRoute" : SmiKinds.HTTP_ROUTE_GROUP;
      broken |= !kind.equals(SmiKinds.HTTP_ROUTE_GROUP);
      matches.add(new TrafficSplitMatch(kind, group, pick(null, SmiKinds.SPECS_GROUP)));
    }
    TrafficSplit s = new TrafficSplit();
    s.setMetadata(meta(ns, name));
    s.getMetadata()
        .setCreationTimestamp(pick(null, "2026-01-0" + (1 + rnd.nextInt(9)) + "T00:00:00Z"));
    s.setSpec(noSpec ? null : new TrafficSplitSpec(root, backends, matches));
    broken |= noSpec;
    objects.add(s);
    if (broken) {
      expected.add(new Expected(SmiKinds.TRAFFIC_SPLIT, ns, name, null, "broken split"));
    }
  }

  private void trafficTarget() {
    String ns = pick(NAMESPACES);
    String name = uniqueName(ns) + "-target";
    boolean invalid = false;
    IdentityBindingSubject destination =
        switch (rnd.nextInt(10)) {
          case 0 -> null;
          case 1 -> new IdentityBindingSubject("ServiceAccount", "web", "other-ns", null);
          case 2 -> new IdentityBindingSubject("User", "web", null, null);
          case 3 -> new IdentityBindingSubject("ServiceAccount", "web", null, pick(0, 70000, -1));
          default ->
              new IdentityBindingSubject(
                  "ServiceAccount",
                  pick("web", "shop-sa", "default"),
                  pick(null, ns),
                  pick(null, 8080));
        };
    invalid |=
        destination == null
            || !"ServiceAccount".equals(destination.getKind())
            || "other-ns".equals(destination.getNamespace())
            || destination.getPort() != null && destination.getPort() != 8080;
    List<TrafficTargetRule> rules = new ArrayList<>();
    boolean dangling = false;
    for (int i = rnd.nextInt(3); i > 0; i--) {
      String kind =
          pick(SmiKinds.HTTP_ROUTE_GROUP, SmiKinds.TCP_ROUTE, SmiKinds.UDP_ROUTE, "Ingress", null);
      invalid |= kind == null || kind.equals("Ingress");
      List<String> known =
          kind == null
              ? List.of()
              : switch (kind) {
                case SmiKinds.HTTP_ROUTE_GROUP -> groupsByNs.getOrDefault(ns, List.of());
                case SmiKinds.TCP_ROUTE -> tcpRoutesByNs.getOrDefault(ns, List.of());
                case SmiKinds.UDP_ROUTE -> udpRoutesByNs.getOrDefault(ns, List.of());
                default -> List.of();
              };
      String route = known.isEmpty() || rnd.nextInt(4) == 0 ? "dangling" : pick(known);
      dangling |= route.equals("dangling");
      List<String> matches = null;
      if (rnd.nextInt(4) == 0) {
        matches = new ArrayList<>(List.of(pick("m0", "m1", "nope")));
      }
      rules.add(new TrafficTargetRule(kind, route, matches));
    }
    invalid |= rules.isEmpty();
    List<IdentityBindingSubject> sources = new ArrayList<>();
    for (int i = rnd.nextInt(3); i > 0; i--) {
      boolean bad = rnd.nextInt(8) == 0;
      invalid |= bad;
      sources.add(
          bad
              ? new IdentityBindingSubject(pick("Group", null), pick("x", ""), null, pick(null, 80))
              : new IdentityBindingSubject(
                  "ServiceAccount", pick("web", "default"), pick(null, "shop"), null));
    }
    invalid |= sources.isEmpty();
    TrafficTarget t = new TrafficTarget();
    t.setMetadata(meta(ns, name));
    t.setSpec(new TrafficTargetSpec(destination, rules, sources));
    objects.add(t);
    Expected e = new Expected(SmiKinds.TRAFFIC_TARGET, ns, name, null, "invalid or dangling");
    if (invalid) {
      expected.add(e);
    } else if (dangling) {
      expectedWithAcl.add(e);
    }
  }

  // ---- helpers

  private ObjectMeta meta(String ns, String name) {
    ObjectMeta m = new ObjectMeta();
    m.setNamespace(ns);
    m.setName(name);
    return m;
  }

  /** A name unique in its namespace, so that a later object does not shadow an earlier one. */
  private String uniqueName(String ns) {
    String base = pick(WORDS);
    int n = names.merge(ns + "/" + base, 1, Integer::sum);
    String name = n == 1 ? base : base + "-" + n;
    return name.length() > 63 ? name.substring(name.length() - 63) : name;
  }

  private static boolean contains(String[] values, String v) {
    for (String x : values) {
      if (x.equals(v)) {
        return true;
      }
    }
    return false;
  }

  @SafeVarargs
  private <T> T pick(T... values) {
    return values[rnd.nextInt(values.length)];
  }

  private <T> T pick(List<T> values) {
    return values.get(rnd.nextInt(values.size()));
  }
}
