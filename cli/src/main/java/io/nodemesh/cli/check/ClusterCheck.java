package io.nodemesh.cli.check;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.authorization.v1.ResourceAttributes;
import io.fabric8.kubernetes.api.model.authorization.v1.ResourceAttributesBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReviewBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.nodemesh.config.MeshConfigJson;
import io.nodemesh.config.wire.ShadowLabels;
import io.nodemesh.controller.api.SummaryApi;
import io.nodemesh.controller.api.ViewerAuth;
import io.nodemesh.dns.DnsPatcher;
import io.nodemesh.dns.DnsStatus;
import io.nodemesh.dns.DnsTarget;
import io.nodemesh.smi.SmiKinds;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The checks behind {@code nodemesh check}, in the order a broken install is usually diagnosed:
 * API, permissions, CRDs, DNS, leader, proxies, config versions, shadow Services, problems. Each
 * item reads the cluster through the API server; the controller and the proxies are reached as
 * {@link ControllerAccess} says (through the API server's service and pod proxy from a laptop, or
 * directly from a pod), with the user's token, which the controller checks against ClusterRole
 * {@code nodemesh-viewer}.
 */
public final class ClusterCheck {
  /** Names and ports of what the chart installs; see docs/chart.md. */
  public record Settings(
      String meshNamespace,
      String dnsNamespace,
      String domain,
      String controllerName,
      int controllerPort,
      String proxyName,
      int proxyAdminPort) {
    public Settings {
      if (meshNamespace == null || meshNamespace.isBlank()) {
        throw new IllegalArgumentException("ClusterCheck.Settings.meshNamespace must not be empty");
      }
      if (controllerPort < 1
          || controllerPort > 65535
          || proxyAdminPort < 1
          || proxyAdminPort > 65535) {
        throw new IllegalArgumentException("ClusterCheck.Settings: ports must be 1-65535");
      }
    }

    public static Settings defaults() {
      return new Settings(
          "nodemesh", "kube-system", "mesh", "nodemesh-controller", 9900, "nodemesh-proxy", 9901);
    }
  }

  /**
   * A permission the controller needs; namespace null means cluster-wide. Mirrors
   * chart/templates/rbac.yaml.
   */
  record Permission(String verb, String group, String resource, String namespace, String name) {
    @Override
    public String toString() {
      String r = (group.isEmpty() ? "" : group + "/") + resource + (name == null ? "" : "/" + name);
      return verb + " " + r + (namespace == null ? "" : " in " + namespace);
    }
  }

  static final List<String> CRDS =
      List.of(
          "trafficsplits." + SmiKinds.SPLIT_GROUP + "=" + SmiKinds.SPLIT_VERSION,
          "httproutegroups." + SmiKinds.SPECS_GROUP + "=" + SmiKinds.SPECS_VERSION,
          "tcproutes." + SmiKinds.SPECS_GROUP + "=" + SmiKinds.SPECS_VERSION,
          "udproutes." + SmiKinds.SPECS_GROUP + "=" + SmiKinds.SPECS_VERSION,
          "traffictargets." + SmiKinds.ACCESS_GROUP + "=" + SmiKinds.ACCESS_VERSION);

  private static final Pattern READY_VERSION = Pattern.compile("config version (-?\\d+)");
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final int LISTED = 5;
  static final String PERMISSIONS = "controller-permissions.txt";
  private static final String NODE_LOCAL_DNS = "node-local-dns";

  private final KubernetesClient client;
  private final Function<KubernetesClient, KubernetesClient> asController;
  private final Settings settings;
  private final Clock clock;
  private final ControllerAccess access;

  /**
   * @param asController makes a client that acts as the controller's ServiceAccount (impersonation)
   *     for the permission checks; identity means "check my own permissions"
   */
  public ClusterCheck(
      KubernetesClient client,
      Function<KubernetesClient, KubernetesClient> asController,
      Settings settings,
      Clock clock) {
    this(
        client, asController, settings, clock, new ControllerAccess(client, settings, false, null));
  }

  /** As above, reaching the controller and the proxies as {@code access} says. */
  public ClusterCheck(
      KubernetesClient client,
      Function<KubernetesClient, KubernetesClient> asController,
      Settings settings,
      Clock clock,
      ControllerAccess access) {
    this.client = client;
    this.asController = asController;
    this.settings = settings;
    this.clock = clock;
    this.access = access;
  }

  /** Every item; after a failed API check the rest are skipped. */
  public List<CheckItem> run() {
    List<CheckItem> items = new ArrayList<>();
    CheckItem api = api();
    items.add(api);
    if (api.status() == CheckItem.Status.FAIL) {
      for (String name :
          List.of(
              "rbac", "crds", "dns", "leader", "proxies", "proxy-config", "shadows", "problems")) {
        items.add(new CheckItem(name, CheckItem.Status.SKIP, "API server unreachable"));
      }
      return items;
    }
    items.add(guard("rbac", this::rbac));
    items.add(guard("crds", this::crds));
    items.add(guard("dns", this::dns));
    items.add(guard("leader", this::leader));
    List<Pod> proxies = new ArrayList<>();
    items.add(guard("proxies", () -> proxies(proxies)));
    items.add(guard("proxy-config", () -> proxyConfig(proxies)));
    items.add(guard("shadows", this::shadows));
    items.add(guard("problems", this::problems));
    return items;
  }

  /** An API error inside one item fails that item with its message, not the whole check. */
  private static CheckItem guard(String name, java.util.function.Supplier<CheckItem> item) {
    try {
      return item.get();
    } catch (KubernetesClientException e) {
      return CheckItem.fail(name, "API error: " + oneLine(e));
    }
  }

  CheckItem api() {
    try {
      var v = client.getKubernetesVersion();
      return CheckItem.pass(
          "api",
          "Kubernetes %s.%s at %s".formatted(v.getMajor(), v.getMinor(), client.getMasterUrl()));
    } catch (RuntimeException e) {
      return CheckItem.fail(
          "api", "cannot reach %s: %s".formatted(client.getMasterUrl(), oneLine(e)));
    }
  }

  /** The permissions in {@value #PERMISSIONS}, with "mesh" scope placed in the mesh namespace. */
  List<Permission> controllerPermissions() {
    List<Permission> out = new ArrayList<>();
    try (InputStream in = ClusterCheck.class.getResourceAsStream(PERMISSIONS)) {
      if (in == null) {
        throw new IllegalStateException(PERMISSIONS + " is missing from the jar");
      }
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        String[] f = line.strip().split("\\s+");
        if (f.length < 4 || f[0].startsWith("#")) {
          continue;
        }
        String group = f[1].equals("core") ? "" : f[1];
        String namespace = f[3].equals("mesh") ? settings.meshNamespace() : null;
        for (String verb : f[0].split(",")) {
          for (String resource : f[2].split(",")) {
            if (f.length > 4) {
              for (String name : f[4].split(",")) {
                out.add(new Permission(verb, group, resource, namespace, name));
              }
            } else {
              out.add(new Permission(verb, group, resource, namespace, null));
            }
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  CheckItem rbac() {
    KubernetesClient reviewer = asController.apply(client);
    String controller =
        "ServiceAccount " + settings.meshNamespace() + "/" + settings.controllerName();
    try {
      if (reviewer == client) {
        return rbac("you", p -> allowed(reviewer, p));
      }
      try {
        return rbac(controller, p -> allowed(reviewer, p));
      } catch (KubernetesClientException e) {
        if (e.getCode() != 403) {
          throw e;
        }
        // No impersonation (the helm test's ServiceAccount has none): ask about the controller's
        // ServiceAccount instead, which needs only create on subjectaccessreviews.
        try {
          return rbac(controller, this::controllerAllowed);
        } catch (KubernetesClientException e2) {
          if (e2.getCode() != 403) {
            throw e2;
          }
          return CheckItem.warn(
              "rbac",
              "cannot impersonate the controller's ServiceAccount ("
                  + oneLine(e)
                  + ") nor create a SubjectAccessReview about it; run check as a cluster admin");
        }
      }
    } finally {
      if (reviewer != client) {
        reviewer.close();
      }
    }
  }

  private CheckItem rbac(String who, java.util.function.Predicate<Permission> allowed) {
    List<String> denied = new ArrayList<>();
    List<Permission> needed = controllerPermissions();
    for (Permission p : needed) {
      if (!allowed.test(p)) {
        denied.add(p.toString());
      }
    }
    if (!denied.isEmpty()) {
      return CheckItem.fail(
          "rbac",
          "%s cannot %s; reinstall the chart's RBAC (docs/rbac.md)".formatted(who, list(denied)));
    }
    return CheckItem.pass(
        "rbac", "%s can do all %d things the controller needs".formatted(who, needed.size()));
  }

  private static ResourceAttributes attributes(Permission p) {
    return new ResourceAttributesBuilder()
        .withVerb(p.verb())
        .withGroup(p.group())
        .withResource(p.resource())
        .withNamespace(p.namespace())
        .withName(p.name())
        .build();
  }

  /** A SelfSubjectAccessReview: may the reviewer's own user (maybe impersonated) do {@code p}? */
  private static boolean allowed(KubernetesClient reviewer, Permission p) {
    SelfSubjectAccessReview answer =
        reviewer
            .authorization()
            .v1()
            .selfSubjectAccessReview()
            .create(
                new SelfSubjectAccessReviewBuilder()
                    .withNewSpec()
                    .withResourceAttributes(attributes(p))
                    .endSpec()
                    .build());
    return answer.getStatus() != null && Boolean.TRUE.equals(answer.getStatus().getAllowed());
  }

  /**
   * A SubjectAccessReview about the controller's ServiceAccount, with the groups the API server
   * gives every ServiceAccount token (Kubernetes docs, "Service account permissions").
   */
  private boolean controllerAllowed(Permission p) {
    String ns = settings.meshNamespace();
    SubjectAccessReview answer =
        client
            .authorization()
            .v1()
            .subjectAccessReview()
            .create(
                new SubjectAccessReviewBuilder()
                    .withNewSpec()
                    .withUser(
                        "system:serviceaccount:%s:%s".formatted(ns, settings.controllerName()))
                    .withGroups(
                        "system:serviceaccounts",
                        "system:serviceaccounts:" + ns,
                        "system:authenticated")
                    .withResourceAttributes(attributes(p))
                    .endSpec()
                    .build());
    return answer.getStatus() != null && Boolean.TRUE.equals(answer.getStatus().getAllowed());
  }

  CheckItem crds() {
    List<String> wrong = new ArrayList<>();
    for (String entry : CRDS) {
      String name = entry.substring(0, entry.indexOf('='));
      String version = entry.substring(entry.indexOf('=') + 1);
      CustomResourceDefinition crd =
          client.apiextensions().v1().customResourceDefinitions().withName(name).get();
      if (crd == null) {
        wrong.add(name + " missing");
        continue;
      }
      boolean served =
          crd.getSpec().getVersions().stream()
              .anyMatch(v -> version.equals(v.getName()) && Boolean.TRUE.equals(v.getServed()));
      if (!served) {
        wrong.add(
            "%s serves %s, not %s"
                .formatted(
                    name,
                    crd.getSpec().getVersions().stream()
                        .filter(v -> Boolean.TRUE.equals(v.getServed()))
                        .map(CustomResourceDefinitionVersion::getName)
                        .toList(),
                    version));
      }
    }
    if (!wrong.isEmpty()) {
      return CheckItem.fail(
          "crds", list(wrong) + "; apply chart/crds/ (kubectl apply -f chart/crds/)");
    }
    return CheckItem.pass(
        "crds", "all %d SMI CRDs serve the expected versions".formatted(CRDS.size()));
  }

  CheckItem dns() {
    DnsPatcher patcher =
        new DnsPatcher(
            client,
            new DnsPatcher.Settings(
                settings.dnsNamespace(), settings.meshNamespace(), settings.domain(), null));
    DnsStatus status = patcher.status();
    return switch (status) {
      case DnsStatus.NotFound n -> CheckItem.fail("dns", n.reason());
      case DnsStatus.NotPatched n ->
          CheckItem.fail(
              "dns",
              "%s: %s. names are not sent to the mesh; run `nodemesh prepare`"
                  .formatted(n.target().describe(), settings.domain()));
      case DnsStatus.Reverted r ->
          CheckItem.fail(
              "dns", "patch reverted (prepared at %s): %s".formatted(r.preparedAt(), r.hint()));
      case DnsStatus.Patched p -> patchedDns(p);
    };
  }

  private CheckItem patchedDns(DnsStatus.Patched p) {
    Service meshDns =
        client
            .services()
            .inNamespace(settings.meshNamespace())
            .withName(DnsPatcher.MESH_DNS_SERVICE)
            .get();
    String ip =
        meshDns == null || meshDns.getSpec() == null ? null : meshDns.getSpec().getClusterIP();
    String upstream = p.upstream().replaceFirst(":53$", "");
    if (ip != null
        && !upstream.equals(ip)
        && !upstream.startsWith(ip + ":")
        && !upstream.startsWith("[" + ip + "]")) {
      return CheckItem.fail(
          "dns",
          "%s forwards %s. to %s, but Service %s/%s is at %s; run `nodemesh prepare` again"
              .formatted(
                  p.target().describe(),
                  settings.domain(),
                  p.upstream(),
                  settings.meshNamespace(),
                  DnsPatcher.MESH_DNS_SERVICE,
                  ip));
    }
    Optional<String> bypass = nodeLocalCacheBypass();
    if (bypass.isPresent()) {
      return CheckItem.fail("dns", bypass.get());
    }
    boolean versionKnown =
        switch (p.target()) {
          case DnsTarget.Corefile c -> c.version().isPresent();
          case DnsTarget.CustomServerFile c -> c.version().isPresent();
          case DnsTarget.KubeDns k -> true;
        };
    String detail =
        "%s; %s. goes to %s".formatted(p.target().describe(), settings.domain(), p.upstream());
    if (!versionKnown) {
      return CheckItem.warn(
          "dns", detail + "; CoreDNS version unknown, the block was written for a current release");
    }
    return CheckItem.pass("dns", detail);
  }

  /**
   * NodeLocal DNSCache sends only the cluster domain to the cluster DNS; without a block of its own
   * for the mesh zone, pods never get mesh names even though CoreDNS is patched.
   */
  private Optional<String> nodeLocalCacheBypass() {
    String ns = settings.dnsNamespace();
    if (client.apps().daemonSets().inNamespace(ns).withName(NODE_LOCAL_DNS).get() == null) {
      return Optional.empty();
    }
    var cm = client.configMaps().inNamespace(ns).withName(NODE_LOCAL_DNS).get();
    String corefile =
        cm == null || cm.getData() == null ? "" : cm.getData().getOrDefault("Corefile", "");
    boolean served =
        corefile.lines().map(String::strip).anyMatch(l -> l.startsWith(settings.domain() + ":53 "));
    if (served) {
      return Optional.empty();
    }
    return Optional.of(
        "NodeLocal DNSCache (DaemonSet %s/%s) sends only the cluster domain to the cluster DNS, so pods never get %s. names; add a %s:53 block to ConfigMap %s/%s (docs/dns.md)"
            .formatted(
                ns, NODE_LOCAL_DNS, settings.domain(), settings.domain(), ns, NODE_LOCAL_DNS));
  }

  CheckItem leader() {
    Lease lease =
        client
            .leases()
            .inNamespace(settings.meshNamespace())
            .withName(settings.controllerName())
            .get();
    if ((lease == null || lease.getSpec() == null || blank(lease.getSpec().getHolderIdentity()))
        && leaderElectionOff()) {
      return CheckItem.pass(
          "leader", "leader election is off (a single controller replica writes)");
    }
    if (lease == null || lease.getSpec() == null || blank(lease.getSpec().getHolderIdentity())) {
      return CheckItem.fail(
          "leader",
          "no controller holds Lease %s/%s; are the controller pods running?"
              .formatted(settings.meshNamespace(), settings.controllerName()));
    }
    String holder = lease.getSpec().getHolderIdentity();
    ZonedDateTime renewed = lease.getSpec().getRenewTime();
    Integer seconds = lease.getSpec().getLeaseDurationSeconds();
    if (renewed != null && seconds != null) {
      Instant expiry = renewed.toInstant().plusSeconds(seconds);
      if (expiry.isBefore(clock.instant())) {
        return CheckItem.fail(
            "leader",
            "Lease %s/%s held by %s expired %s ago; the leader stopped renewing"
                .formatted(
                    settings.meshNamespace(),
                    settings.controllerName(),
                    holder,
                    Duration.between(expiry, clock.instant()).toSeconds() + "s"));
      }
    }
    return CheckItem.pass("leader", "held by " + holder);
  }

  /**
   * The chart's controller Deployment runs with --no-leader-election
   * (controller.leaderElection=false).
   */
  private boolean leaderElectionOff() {
    var d =
        client
            .apps()
            .deployments()
            .inNamespace(settings.meshNamespace())
            .withName(settings.controllerName())
            .get();
    if (d == null) {
      return false;
    }
    return d.getSpec().getTemplate().getSpec().getContainers().stream()
        .anyMatch(c -> c.getArgs() != null && c.getArgs().contains("--no-leader-election"));
  }

  CheckItem proxies(List<Pod> readyProxies) {
    List<Node> schedulable =
        client.nodes().list().getItems().stream()
            .filter(
                n -> n.getSpec() == null || !Boolean.TRUE.equals(n.getSpec().getUnschedulable()))
            .toList();
    ProxyPlacement placement = proxyPlacement();
    List<Node> nodes = schedulable.stream().filter(placement::admits).toList();
    List<Node> excluded = schedulable.stream().filter(n -> !placement.admits(n)).toList();
    List<Pod> pods =
        client
            .pods()
            .inNamespace(settings.meshNamespace())
            .withLabel("app.kubernetes.io/name", settings.proxyName())
            .list()
            .getItems();
    Map<String, Pod> readyByNode = new TreeMap<>();
    for (Pod p : pods) {
      if (p.getSpec() != null && p.getSpec().getNodeName() != null && ready(p)) {
        readyByNode.put(p.getSpec().getNodeName(), p);
      }
    }
    readyProxies.addAll(readyByNode.values());
    List<String> without =
        nodes.stream()
            .map(n -> n.getMetadata().getName())
            .filter(n -> !readyByNode.containsKey(n))
            .sorted()
            .toList();
    Map<String, Integer> stranded =
        excluded.isEmpty()
            ? Map.of()
            : ProxyPlacement.workloads(
                excluded,
                client.pods().inAnyNamespace().list().getItems(),
                settings.meshNamespace());
    String outside = excluded.isEmpty() ? "" : outsideNodes(placement, excluded, stranded);
    if (!without.isEmpty()) {
      return CheckItem.fail(
          "proxies",
          "no ready proxy on %d of %d schedulable nodes: %s; pods there cannot use .%s names (kubectl -n %s get pods -l app.kubernetes.io/name=%s -o wide)%s"
              .formatted(
                  without.size(),
                  nodes.size(),
                  list(without),
                  settings.domain(),
                  settings.meshNamespace(),
                  settings.proxyName(),
                  outside.isEmpty() ? "" : "; " + outside));
    }
    if (!stranded.isEmpty()) {
      return CheckItem.warn(
          "proxies",
          "a ready proxy on each of %d nodes it can run on; %s".formatted(nodes.size(), outside));
    }
    return CheckItem.pass(
        "proxies",
        "a ready proxy on each of %d schedulable nodes%s"
            .formatted(nodes.size(), outside.isEmpty() ? "" : "; " + outside));
  }

  /** The proxy DaemonSet's nodeSelector; none when the DaemonSet cannot be read. */
  private ProxyPlacement proxyPlacement() {
    var ds =
        client
            .apps()
            .daemonSets()
            .inNamespace(settings.meshNamespace())
            .withName(settings.proxyName())
            .get();
    if (ds == null || ds.getSpec() == null || ds.getSpec().getTemplate().getSpec() == null) {
      return new ProxyPlacement(Map.of());
    }
    return new ProxyPlacement(ds.getSpec().getTemplate().getSpec().getNodeSelector());
  }

  /** Nodes the proxy's nodeSelector excludes, and the workloads that run there anyway. */
  private String outsideNodes(
      ProxyPlacement placement, List<Node> excluded, Map<String, Integer> workloads) {
    if (workloads.isEmpty()) {
      return "%d node(s) outside the proxy's nodeSelector (%s) run no workloads"
          .formatted(excluded.size(), placement.describe());
    }
    List<String> named =
        workloads.entrySet().stream()
            .map(e -> e.getKey() + " (" + e.getValue() + " pods)")
            .toList();
    return "%d node(s) outside the proxy's nodeSelector (%s) run workloads that cannot use .%s names: %s"
        .formatted(workloads.size(), placement.describe(), settings.domain(), list(named));
  }

  /** Every ready proxy reports, on its /ready, the config version the controller serves. */
  CheckItem proxyConfig(List<Pod> proxies) {
    Fetched f = fetch("proxy-config", SummaryApi.PATH, ViewerAuth.SUMMARIES);
    if (f.failure() != null) {
      return f.failure();
    }
    long latest;
    try {
      latest = MeshConfigJson.mapper().readValue(f.body(), SummaryApi.Summary.class).version();
    } catch (IOException e) {
      return CheckItem.fail("proxy-config", "the controller's summary is not JSON: " + oneLine(e));
    }
    Map<String, String> behind = new TreeMap<>();
    for (Pod p : proxies) {
      String name = p.getMetadata().getName();
      try {
        String body = access.proxyReady(p);
        Matcher m = READY_VERSION.matcher(body == null ? "" : body);
        long v = m.find() ? Long.parseLong(m.group(1)) : -1;
        if (v != latest) {
          behind.put(name, v < 0 ? "no config" : "version " + v);
        }
      } catch (RuntimeException e) {
        behind.put(name, "unreachable (" + oneLine(e) + ")");
      }
    }
    if (!behind.isEmpty()) {
      return CheckItem.fail(
          "proxy-config",
          "controller serves version %d, but %s"
              .formatted(
                  latest,
                  list(
                      behind.entrySet().stream()
                          .map(e -> e.getKey() + " has " + e.getValue())
                          .toList())));
    }
    return CheckItem.pass(
        "proxy-config", "all %d proxies run config version %d".formatted(proxies.size(), latest));
  }

  /**
   * The shadow Services are exactly what the controller's own {@link SummaryApi#of} says its config
   * calls for: same names, same port to proxy-port mapping, none left over.
   */
  CheckItem shadows() {
    Fetched f = fetch("shadows", SummaryApi.PATH, ViewerAuth.SUMMARIES);
    if (f.failure() != null) {
      return f.failure();
    }
    SummaryApi.Summary summary;
    try {
      summary = MeshConfigJson.mapper().readValue(f.body(), SummaryApi.Summary.class);
    } catch (IOException e) {
      return CheckItem.fail("shadows", "the controller's summary is not JSON: " + oneLine(e));
    }
    Map<String, SummaryApi.Shadow> desired = new TreeMap<>();
    summary.shadows().forEach(s -> desired.put(s.name(), s));
    Map<String, Service> actual = new TreeMap<>();
    for (Service s :
        client
            .services()
            .inNamespace(settings.meshNamespace())
            .withLabel(ShadowLabels.MANAGED_BY_LABEL, ShadowLabels.MANAGED_BY)
            .list()
            .getItems()) {
      actual.put(s.getMetadata().getName(), s);
    }
    List<String> missing = new ArrayList<>();
    List<String> stale = new ArrayList<>();
    for (Map.Entry<String, SummaryApi.Shadow> e : desired.entrySet()) {
      Service a = actual.get(e.getKey());
      Set<String> want = new TreeSet<>(e.getValue().ports());
      if (a == null) {
        missing.add(e.getValue().source() + " (" + e.getKey() + ")");
      } else if (!SummaryApi.ports(a).equals(want)) {
        stale.add(
            "%s has ports %s, config says %s".formatted(e.getKey(), SummaryApi.ports(a), want));
      }
    }
    List<String> orphans = actual.keySet().stream().filter(a -> !desired.containsKey(a)).toList();
    if (!missing.isEmpty() || !stale.isEmpty() || !orphans.isEmpty()) {
      List<String> parts = new ArrayList<>();
      if (!missing.isEmpty()) {
        parts.add("no shadow Service for " + list(missing));
      }
      if (!stale.isEmpty()) {
        parts.add(list(stale));
      }
      if (!orphans.isEmpty()) {
        parts.add("shadow Services the config no longer has: " + list(orphans));
      }
      return CheckItem.fail(
          "shadows", String.join("; ", parts) + "; the leader writes them, see its log");
    }
    return CheckItem.pass(
        "shadows",
        "%d shadow Services match config version %d".formatted(desired.size(), summary.version()));
  }

  /**
   * What the controller refused to compile (SMI objects and annotations), from /api/v1/problems.
   */
  CheckItem problems() {
    Fetched f = fetch("problems", "/api/v1/problems", ViewerAuth.PROBLEMS);
    if (f.failure() != null) {
      return f.failure();
    }
    JsonNode array = JSON.readTree(f.body());
    List<String> found = new ArrayList<>();
    for (JsonNode p : array) {
      String ns = p.path("namespace").asText("");
      found.add(
          "%s %s%s: %s"
              .formatted(
                  p.path("kind").asText(),
                  ns.isEmpty() ? "" : ns + "/",
                  p.path("name").asText(),
                  p.path("message").asText()));
    }
    if (!found.isEmpty()) {
      return CheckItem.fail(
          "problems", "%d objects with errors: %s".formatted(found.size(), list(found)));
    }
    return CheckItem.pass("problems", "no SMI object or Service with errors");
  }

  /** A 200 body of the controller, or the FAIL line that says why there is none. */
  private record Fetched(String body, CheckItem failure) {}

  /**
   * GETs {@code path} from the controller for {@code item}; a refusal becomes one line naming the
   * permission that is missing ({@code get RESOURCE.nodemesh.io}, or the API server's own rule).
   */
  private Fetched fetch(String item, String path, String resource) {
    ControllerAccess.Answer a;
    try {
      a = access.get(path);
    } catch (RuntimeException e) {
      return new Fetched(null, CheckItem.fail(item, "cannot reach the controller: " + oneLine(e)));
    }
    if (a.ok()) {
      return new Fetched(a.body(), null);
    }
    String rule = "get " + resource + "." + ViewerAuth.GROUP;
    String said = errorOf(a.body());
    String detail;
    if (a.status() == 404 && a.body().isEmpty()) {
      detail =
          "controller Service %s/%s not found"
              .formatted(settings.meshNamespace(), settings.controllerName());
    } else if (a.status() == 403 && isApiServerStatus(a.body())) {
      detail =
          "the API server refused its service proxy (%s); you need get services/proxy in %s"
              .formatted(said, settings.meshNamespace());
    } else if (a.status() == 403) {
      detail =
          ("missing permission %s (bind ClusterRole nodemesh-viewer, docs/rbac.md);"
                  + " the controller said: %s")
              .formatted(rule, said);
    } else if (a.status() == 401) {
      detail =
          ("the controller wants a bearer token it can review for %s (%s); check sends your"
                  + " kubeconfig's token, a client-certificate kubeconfig has none (docs/cli.md)")
              .formatted(rule, said);
    } else {
      detail = "the controller at %s answered %d: %s".formatted(a.where(), a.status(), said);
    }
    return new Fetched(null, CheckItem.fail(item, detail));
  }

  /** The {@code error} of the controller's JSON, or the {@code message} of a Kubernetes Status. */
  private static String errorOf(String body) {
    try {
      JsonNode n = JSON.readTree(body);
      for (String field : List.of("error", "message")) {
        String v = n.path(field).asText("");
        if (!v.isBlank()) {
          return v;
        }
      }
    } catch (RuntimeException e) {
      // not JSON: the first line as it is
    }
    String b = body == null ? "" : body.strip();
    return b.isEmpty() ? "(no body)" : b.lines().findFirst().orElse(b);
  }

  private static boolean isApiServerStatus(String body) {
    try {
      return "Status".equals(JSON.readTree(body).path("kind").asText(""));
    } catch (RuntimeException e) {
      return false;
    }
  }

  private static boolean ready(Pod p) {
    if (p.getStatus() == null || p.getStatus().getConditions() == null) {
      return false;
    }
    for (PodCondition c : p.getStatus().getConditions()) {
      if ("Ready".equals(c.getType())) {
        return "True".equals(c.getStatus());
      }
    }
    return false;
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }

  /** The first few, then "and N more", so one line stays readable on a big cluster. */
  static String list(Collection<String> items) {
    List<String> l = List.copyOf(items);
    if (l.size() <= LISTED) {
      return String.join(", ", l);
    }
    return String.join(", ", l.subList(0, LISTED)) + " and " + (l.size() - LISTED) + " more";
  }

  static String oneLine(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String m = Optional.ofNullable(e.getMessage()).orElse(root.getClass().getSimpleName());
    if (root != e && root.getMessage() != null && !m.contains(root.getMessage())) {
      m = m + ": " + root.getMessage();
    }
    return m.lines().findFirst().orElse(m);
  }
}
