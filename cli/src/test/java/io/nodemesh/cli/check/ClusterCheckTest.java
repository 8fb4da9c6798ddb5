package io.nodemesh.cli.check;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewStatus;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.utils.ResponseProvider;
import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.EndpointConfig;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.MeshConfigJson;
import io.nodemesh.config.Protocol;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.controller.ControllerOptions;
import io.nodemesh.controller.api.SummaryApi;
import io.nodemesh.controller.shadow.ShadowServices;
import io.nodemesh.dns.DnsPatcher;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code check} against the fabric8 mock API server: a healthy cluster passes every item, and
 * breaking one thing at a time fails exactly that item, with a detail that names what broke.
 */
@EnableKubernetesMockClient(crud = true)
class ClusterCheckTest {
  static final String NS = "nodemesh";
  static final Instant NOW = Instant.parse("2026-11-26T01:00:00Z");
  static final String TLS_PROXY =
      "/api/v1/namespaces/nodemesh/services/https:nodemesh-controller:api/proxy";
  static final String PLAIN_PROXY =
      "/api/v1/namespaces/nodemesh/services/nodemesh-controller:api/proxy";

  /** The bearer token of fabric8's mock client: a kubeconfig user with a token, as most are. */
  static final String TOKEN = "secret";

  KubernetesMockServer server;
  KubernetesClient client;

  MeshConfig config;
  volatile String problems = "[]";
  final Map<String, Long> proxyVersions = new ConcurrentHashMap<>();
  final Set<String> deniedVerbs = ConcurrentHashMap.newKeySet();

  /** nodemesh.io resources the kubeconfig's user is not granted (the fake controller's SAR). */
  final Set<String> deniedResources = ConcurrentHashMap.newKeySet();

  /** Whether the check's user may impersonate (a cluster admin may, the helm test's may not). */
  volatile boolean mayImpersonate = true;

  final Set<String> reviewedUsers = ConcurrentHashMap.newKeySet();

  /** Whether the fake controller serves TLS; the API server's proxy fails on the other scheme. */
  volatile boolean controllerTls = true;

  /** What the fake controller received in X-Nodemesh-Authorization. */
  final List<String> forwardedTokens = new java.util.concurrent.CopyOnWriteArrayList<>();

  @BeforeEach
  void healthyCluster() {
    config =
        new MeshConfig(
            7,
            "mesh",
            List.of(
                new ListenerConfig(
                    "shop",
                    "whoami",
                    80,
                    Protocol.HTTP,
                    5000,
                    RouteConfig.direct(
                        new BackendConfig(
                            "whoami", 1, List.of(EndpointConfig.ready("10.1.0.5", 8080))))),
                new ListenerConfig(
                    "shop",
                    "db-0",
                    5432,
                    Protocol.TCP,
                    10000,
                    RouteConfig.direct(
                        new BackendConfig(
                            "db-0", 1, List.of(EndpointConfig.ready("10.1.0.6", 5432)))))));
    fakeController();
    for (String node : List.of("node-a", "node-b")) {
      String pod = "nodemesh-proxy-" + node;
      proxyVersions.put(pod, 7L);
      server
          .expect()
          .get()
          .withPath("/api/v1/namespaces/nodemesh/pods/" + pod + ":9901/proxy/ready")
          .andReply(200, r -> "ready, config version " + proxyVersions.get(pod))
          .always();
    }
    server
        .expect()
        .post()
        .withPath("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews")
        .andReply(
            reply(
                r -> {
                  if (r.getHeader("Impersonate-User") != null && !mayImpersonate) {
                    return Map.entry(
                        403,
                        "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
                            + "\"message\":\"users"
                            + " \\\"system:serviceaccount:nodemesh:nodemesh-controller\\\" is"
                            + " forbidden: User cannot"
                            + " impersonate\",\"reason\":\"Forbidden\",\"code\":403}");
                  }
                  var review =
                      ClusterObjects.review(client, r.getUtf8Body(), deniedVerbs::contains);
                  return Map.entry(201, review);
                }))
        .always();
    server
        .expect()
        .post()
        .withPath("/apis/authorization.k8s.io/v1/subjectaccessreviews")
        .andReply(
            201,
            r -> {
              SubjectAccessReview review =
                  client
                      .getKubernetesSerialization()
                      .unmarshal(r.getUtf8Body(), SubjectAccessReview.class);
              reviewedUsers.add(review.getSpec().getUser() + " " + review.getSpec().getGroups());
              var a = review.getSpec().getResourceAttributes();
              review.setStatus(
                  new SubjectAccessReviewStatus(
                      !deniedVerbs.contains(a.getVerb() + " " + a.getResource()),
                      false,
                      null,
                      null));
              return review;
            })
        .always();

    ClusterObjects.crds(client, ClusterCheck.CRDS, "v1alpha1");

    // CoreDNS (with reload, which prepare requires), patched by prepare.
    CoreDnsFixture.create(
        client, NS, ".:53 {\n    errors\n    reload\n    forward . /etc/resolv.conf\n}\n");
    dnsPatcher().prepare();

    ClusterObjects.lease(client, "nodemesh-controller-7d9f-abcde", NOW.minusSeconds(3));

    for (String node : List.of("node-a", "node-b")) {
      ClusterObjects.node(client, node, Map.of(), false);
      proxyPod(node, true);
    }
    // Cordoned: no proxy expected there.
    ClusterObjects.node(client, "node-c", Map.of(), true);

    ShadowServices.desired(config, NS, ControllerOptions.defaults().proxySelector())
        .values()
        .forEach(s -> client.services().inNamespace(NS).resource(s).create());
  }

  /**
   * The controller behind the API server's service proxy, as the chart runs it: TLS, and summary
   * and problems only for a token whose user has {@code get summaries/problems.nodemesh.io}.
   */
  void fakeController() {
    for (boolean tlsPath : List.of(true, false)) {
      for (String resource : List.of("summaries", "problems")) {
        String path =
            (tlsPath ? TLS_PROXY : PLAIN_PROXY)
                + (resource.equals("summaries") ? "/api/v1/summary" : "/api/v1/problems");
        server
            .expect()
            .get()
            .withPath(path)
            .andReply(
                reply(
                    r -> {
                      forwardedTokens.add(String.valueOf(r.getHeader("X-Nodemesh-Authorization")));
                      return answer(tlsPath, resource, r);
                    }))
            .always();
      }
    }
    controllerService("https");
  }

  /** A mock answer whose status and body {@code f} decides, once per request. */
  static ResponseProvider<Object> reply(Function<RecordedRequest, Map.Entry<Integer, ?>> f) {
    return new ResponseProvider<>() {
      private final Map<RecordedRequest, Map.Entry<Integer, ?>> answers =
          java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());
      private Headers headers = Headers.builder().build();

      private Map.Entry<Integer, ?> of(RecordedRequest r) {
        return answers.computeIfAbsent(r, f);
      }

      @Override
      public int getStatusCode(RecordedRequest r) {
        return of(r).getKey();
      }

      @Override
      public Object getBody(RecordedRequest r) {
        return of(r).getValue();
      }

      @Override
      public Headers getHeaders() {
        return headers;
      }

      @Override
      public void setHeaders(Headers h) {
        headers = h;
      }
    };
  }

  /** What the controller (or the API server's proxy, on the wrong scheme) answers. */
  Map.Entry<Integer, String> answer(boolean tlsPath, String resource, RecordedRequest r) {
    if (tlsPath != controllerTls) {
      return Map.entry(503, "Error trying to reach service: wrong scheme");
    }
    String auth = r.getHeader("X-Nodemesh-Authorization");
    if (auth == null) {
      return Map.entry(401, "{\"error\":\"no Authorization header; send a Bearer token\"}");
    }
    if (!auth.equals("Bearer " + TOKEN)) {
      return Map.entry(401, "{\"error\":\"token not accepted\"}");
    }
    if (deniedResources.contains(resource)) {
      return Map.entry(
          403,
          ("{\"error\":\"bob may not read %s; it needs get %s.nodemesh.io (ClusterRole"
                  + " nodemesh-viewer)\"}")
              .formatted(resource, resource));
    }
    return Map.entry(200, resource.equals("problems") ? problems : summary());
  }

  String summary() {
    try {
      return MeshConfigJson.mapper()
          .writeValueAsString(
              SummaryApi.of(config, NS, ControllerOptions.defaults().proxySelector()));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** The chart's controller Service; {@code appProtocol} null as charts before it set one. */
  void controllerService(String appProtocol) {
    client
        .services()
        .inNamespace(NS)
        .resource(
            new io.fabric8.kubernetes.api.model.ServiceBuilder()
                .withNewMetadata()
                .withName("nodemesh-controller")
                .withNamespace(NS)
                .endMetadata()
                .withNewSpec()
                .addNewPort()
                .withName("api")
                .withPort(9900)
                .withAppProtocol(appProtocol)
                .endPort()
                .endSpec()
                .build())
        .createOr(op -> op.update());
  }

  DnsPatcher dnsPatcher() {
    return new DnsPatcher(client, new DnsPatcher.Settings("kube-system", NS, "mesh", null));
  }

  void proxyPod(String node, boolean ready) {
    ClusterObjects.proxyPod(client, node, ready);
  }

  List<CheckItem> check() {
    return check(client);
  }

  /** A client of the same API server whose user has no bearer token (a client certificate). */
  KubernetesClient withoutToken() {
    return new KubernetesClientBuilder()
        .withConfig(
            new ConfigBuilder(io.fabric8.kubernetes.client.Config.empty())
                .withMasterUrl(client.getMasterUrl().toString())
                .withTrustCerts(true)
                .build())
        .build();
  }

  List<CheckItem> check(KubernetesClient c) {
    return check(c, Function.identity());
  }

  /** The whole check at {@link #NOW}, {@code as} giving the client of the rights it checks. */
  static List<CheckItem> check(
      KubernetesClient c, Function<KubernetesClient, KubernetesClient> as) {
    return new ClusterCheck(
            c, as, ClusterCheck.Settings.defaults(), Clock.fixed(NOW, ZoneOffset.UTC))
        .run();
  }

  static String detail(List<CheckItem> items, String name) {
    return item(items, name).detail();
  }

  static CheckItem item(List<CheckItem> items, String name) {
    return items.stream().filter(i -> i.name().equals(name)).findFirst().orElseThrow();
  }

  /** Exactly one item fails, it is {@code name}, and every other item passes. */
  static CheckItem onlyFailure(List<CheckItem> items, String name) {
    assertThat(items.stream().filter(i -> i.status() == CheckItem.Status.FAIL).map(CheckItem::name))
        .as(items.stream().map(CheckItem::line).reduce("", (a, b) -> a + "\n" + b))
        .containsExactly(name);
    assertThat(items.stream().filter(i -> !i.name().equals(name)).map(CheckItem::status))
        .containsOnly(CheckItem.Status.PASS);
    return item(items, name);
  }

  @Test
  void aHealthyClusterPassesEveryItem() {
    List<CheckItem> items = check();
    assertThat(items)
        .extracting(CheckItem::name)
        .containsExactly(
            "api",
            "rbac",
            "crds",
            "dns",
            "leader",
            "proxies",
            "proxy-config",
            "shadows",
            "problems");
    assertThat(items)
        .as(items.stream().map(CheckItem::line).reduce("", (a, b) -> a + "\n" + b))
        .allMatch(i -> i.status() == CheckItem.Status.PASS);
    assertThat(detail(items, "dns")).contains("CoreDNS 1.11.1").contains("10.96.0.53");
    assertThat(detail(items, "leader")).isEqualTo("held by nodemesh-controller-7d9f-abcde");
    assertThat(detail(items, "proxies")).isEqualTo("a ready proxy on each of 2 schedulable nodes");
    assertThat(detail(items, "proxy-config")).isEqualTo("all 2 proxies run config version 7");
    assertThat(detail(items, "shadows")).isEqualTo("2 shadow Services match config version 7");
  }

  @Test
  void aMissingPermissionIsNamed() {
    deniedVerbs.add("delete services");
    assertThat(onlyFailure(check(), "rbac").detail())
        .contains("cannot delete services in nodemesh");
  }

  @Test
  void aMissingCrdIsNamed() {
    client
        .apiextensions()
        .v1()
        .customResourceDefinitions()
        .withName("traffictargets.access.smi-spec.io")
        .delete();
    assertThat(onlyFailure(check(), "crds").detail())
        .startsWith("traffictargets.access.smi-spec.io missing");
  }

  @Test
  void anOldCrdVersionIsNamed() {
    client
        .apiextensions()
        .v1()
        .customResourceDefinitions()
        .withName("trafficsplits.split.smi-spec.io")
        .edit(
            c -> {
              c.getSpec().getVersions().get(0).setName("v1alpha2");
              return c;
            });
    assertThat(onlyFailure(check(), "crds").detail())
        .startsWith("trafficsplits.split.smi-spec.io serves [v1alpha2], not v1alpha4");
  }

  @Test
  void unpatchedDnsSaysToRunPrepare() {
    dnsPatcher().cleanup();
    assertThat(onlyFailure(check(), "dns").detail()).contains("run `nodemesh prepare`");
  }

  @Test
  void aRevertedPatchIsReportedAsReverted() {
    ConfigMap cm = client.configMaps().inNamespace("kube-system").withName("coredns").get();
    cm.getData().put("Corefile", ".:53 {\n    errors\n    forward . /etc/resolv.conf\n}\n");
    client.configMaps().inNamespace("kube-system").resource(cm).update();
    assertThat(onlyFailure(check(), "dns").detail())
        .startsWith("patch reverted")
        .contains("kube-system/coredns was rewritten");
  }

  @Test
  void aPatchPointingAtAnOldAddressIsStale() {
    client
        .services()
        .inNamespace(NS)
        .withName("nodemesh-dns")
        .edit(
            s -> {
              s.getSpec().setClusterIP("10.96.0.99");
              return s;
            });
    assertThat(onlyFailure(check(), "dns").detail())
        .contains("forwards mesh. to 10.96.0.53")
        .contains("is at 10.96.0.99");
  }

  @Test
  void aNodeLocalDnsCacheWithoutAMeshBlockIsNamed() {
    client
        .apps()
        .daemonSets()
        .inNamespace("kube-system")
        .resource(
            new io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder()
                .withNewMetadata()
                .withName("node-local-dns")
                .withNamespace("kube-system")
                .endMetadata()
                .withNewSpec()
                .withNewTemplate()
                .withNewSpec()
                .addNewContainer()
                .withName("node-cache")
                .withImage("k8s-dns-node-cache:1.23.1")
                .endContainer()
                .endSpec()
                .endTemplate()
                .endSpec()
                .build())
        .create();
    String cache =
        "cluster.local:53 {\n"
            + "    bind 169.254.20.10 10.96.0.10\n"
            + "    forward . 10.96.0.11 {\n"
            + "        force_tcp\n"
            + "    }\n"
            + "}\n";
    CoreDnsFixture.corefile(client, "node-local-dns", cache);
    assertThat(onlyFailure(check(), "dns").detail())
        .startsWith("NodeLocal DNSCache (DaemonSet kube-system/node-local-dns)");

    ConfigMap cm = client.configMaps().inNamespace("kube-system").withName("node-local-dns").get();
    cm.getData()
        .put(
            "Corefile",
            cache + "mesh:53 {\n    bind 169.254.20.10 10.96.0.10\n    forward . 10.96.0.53\n}\n");
    client.configMaps().inNamespace("kube-system").resource(cm).update();
    assertThat(item(check(), "dns").status()).isEqualTo(CheckItem.Status.PASS);
  }

  @Test
  void anExpiredLeaseIsNamed() {
    client
        .leases()
        .inNamespace(NS)
        .withName("nodemesh-controller")
        .edit(
            l -> {
              l.getSpec()
                  .setRenewTime(ZonedDateTime.ofInstant(NOW.minusSeconds(60), ZoneOffset.UTC));
              return l;
            });
    assertThat(onlyFailure(check(), "leader").detail()).contains("expired 45s ago");
  }

  @Test
  void noLeaseIsFineWhenLeaderElectionIsOff() {
    client.leases().inNamespace(NS).withName("nodemesh-controller").delete();
    assertThat(onlyFailure(check(), "leader").detail())
        .startsWith("no controller holds Lease nodemesh/nodemesh-controller");
    ClusterObjects.controllerWithoutElection(client);
    assertThat(item(check(), "leader"))
        .isEqualTo(
            new CheckItem(
                "leader",
                CheckItem.Status.PASS,
                "leader election is off (a single controller replica writes)"));
  }

  @Test
  void aNodeWithoutAReadyProxyIsNamed() {
    proxyPod("node-b", false);
    List<CheckItem> items = check();
    assertThat(onlyFailure(items, "proxies").detail())
        .startsWith("no ready proxy on 1 of 2 schedulable nodes: node-b;");
  }

  @Test
  void aProxyOnAnOldConfigIsNamed() {
    proxyVersions.put("nodemesh-proxy-node-a", 6L);
    assertThat(onlyFailure(check(), "proxy-config").detail())
        .isEqualTo("controller serves version 7, but nodemesh-proxy-node-a has version 6");
  }

  @Test
  void aMissingShadowServiceIsNamed() {
    String shadow =
        ShadowServices.desired(config, NS, ControllerOptions.defaults().proxySelector())
            .keySet()
            .iterator()
            .next();
    client.services().inNamespace(NS).withName(shadow).delete();
    assertThat(onlyFailure(check(), "shadows").detail())
        .startsWith("no shadow Service for shop/")
        .contains(shadow);
  }

  @Test
  void anObjectWithErrorsIsNamed() {
    problems =
        "[{\"kind\":\"TrafficSplit\",\"namespace\":\"shop\",\"name\":\"canary\",\"field\":\"spec.backends[1].service\",\"message\":\"backend"
            + " whoami-v3 does not exist\",\"reason\":\"InvalidSpec\"}]";
    assertThat(onlyFailure(check(), "problems").detail())
        .isEqualTo(
            "1 objects with errors: TrafficSplit shop/canary: backend whoami-v3 does not exist");
  }

  @Test
  void anUnreachableApiFailsOnceAndSkipsTheRest() {
    try (KubernetesClient nowhere =
        new KubernetesClientBuilder()
            .withConfig(
                new ConfigBuilder()
                    .withMasterUrl("https://127.0.0.1:1")
                    .withRequestRetryBackoffLimit(0)
                    .withConnectionTimeout(2000)
                    .build())
            .build()) {
      List<CheckItem> items = check(nowhere);
      assertThat(item(items, "api").status()).isEqualTo(CheckItem.Status.FAIL);
      assertThat(detail(items, "api")).startsWith("cannot reach https://127.0.0.1:1/");
      assertThat(items.subList(1, items.size()))
          .extracting(CheckItem::status)
          .containsOnly(CheckItem.Status.SKIP);
    }
  }

  @Test
  void theControllerItemsGoToTheHttpsPortWithTheTokenInItsOwnHeader() {
    List<CheckItem> items = check();
    assertThat(items)
        .as(forwardedTokens.toString())
        .allMatch(i -> i.status() == CheckItem.Status.PASS);
    assertThat(forwardedTokens).hasSize(3).containsOnly("Bearer " + TOKEN);
  }

  @Test
  void withoutATokenTheControllerItemsFailInOneLineEach() {
    List<CheckItem> items;
    try (KubernetesClient anonymous = withoutToken()) {
      items = check(anonymous);
    }
    assertThat(forwardedTokens).containsOnly("null");
    for (String name : List.of("proxy-config", "shadows", "problems")) {
      CheckItem i = item(items, name);
      assertThat(i.status()).as(i.line()).isEqualTo(CheckItem.Status.FAIL);
      assertThat(i.detail())
          .contains("no Authorization header")
          .contains("kubeconfig's token")
          .doesNotContain("\n")
          .doesNotContain("Exception");
    }
  }

  @Test
  void aMissingViewerGrantNamesThePermission() {
    deniedResources.add("problems");
    assertThat(onlyFailure(check(), "problems").detail())
        .startsWith("missing permission get problems.nodemesh.io (bind ClusterRole nodemesh-viewer")
        .contains("bob may not read problems")
        .doesNotContain("\n");

    deniedResources.add("summaries");
    List<CheckItem> items = check();
    assertThat(detail(items, "proxy-config"))
        .startsWith("missing permission get summaries.nodemesh.io");
    assertThat(detail(items, "shadows")).startsWith("missing permission get summaries.nodemesh.io");
  }

  @Test
  void aControllerWithoutTlsIsReachedOverHttp() {
    controllerTls = false;
    controllerService("http");
    assertThat(check()).allMatch(i -> i.status() == CheckItem.Status.PASS);
  }

  @Test
  void withoutAnAppProtocolTheControllerIsAskedOverHttps() {
    controllerService(null);
    assertThat(check()).allMatch(i -> i.status() == CheckItem.Status.PASS);
  }

  @Test
  void theSummaryTheCheckReadsHoldsNoEndpoint() {
    String summary = summary();
    assertThat(summary).contains("\"version\":7").contains("shop/whoami").contains("80->5000/TCP");
    assertThat(summary)
        .doesNotContain("10.1.0.5")
        .doesNotContain("10.1.0.6")
        .doesNotContain("8080");
  }

  @Test
  void noControllerServiceIsNamed() {
    client.services().inNamespace(NS).withName("nodemesh-controller").delete();
    assertThat(item(check(), "problems").detail())
        .isEqualTo("controller Service nodemesh/nodemesh-controller not found");
  }

  /** As {@code nodemesh check} without --as-self: impersonating the controller's ServiceAccount. */
  List<CheckItem> checkAsController() {
    return check(
        client,
        c ->
            new KubernetesClientBuilder()
                .withConfig(
                    new ConfigBuilder(c.getConfiguration())
                        .withImpersonateUsername(
                            "system:serviceaccount:nodemesh:nodemesh-controller")
                        .build())
                .build());
  }

  @Test
  void withImpersonationTheControllersOwnRightsAreChecked() {
    assertThat(item(checkAsController(), "rbac").detail())
        .startsWith("ServiceAccount nodemesh/nodemesh-controller can do all");
    assertThat(reviewedUsers).isEmpty();
  }

  @Test
  void withoutImpersonationASubjectAccessReviewAsksAboutTheController() {
    mayImpersonate = false;
    CheckItem rbac = item(checkAsController(), "rbac");
    assertThat(rbac.status()).as(rbac.line()).isEqualTo(CheckItem.Status.PASS);
    assertThat(rbac.detail()).startsWith("ServiceAccount nodemesh/nodemesh-controller can do all");
    assertThat(reviewedUsers)
        .containsOnly(
            "system:serviceaccount:nodemesh:nodemesh-controller [system:serviceaccounts,"
                + " system:serviceaccounts:nodemesh, system:authenticated]");

    deniedVerbs.add("delete services");
    assertThat(onlyFailure(checkAsController(), "rbac").detail())
        .startsWith(
            "ServiceAccount nodemesh/nodemesh-controller cannot delete services in nodemesh");
  }
}
