package io.nodemesh.cli.check;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * {@code nodemesh check}: the list of {@link Check}s, run in the order a broken install is usually
 * diagnosed, grouped by area: the API server; permissions and kinds ({@link RbacCheck}, {@link
 * CrdsCheck}); {@link DnsCheck}; {@link LeaderCheck}; the proxies ({@link ProxiesCheck}, {@link
 * ProxyConfigCheck}); what the controller wrote ({@link ShadowsCheck}, {@link ProblemsCheck}). Each
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

  /** The items after {@code api}, in the order they run. */
  static final List<Check> CHECKS =
      List.of(
          // rbac: what the controller may do, and the kinds it reads
          new RbacCheck(),
          new CrdsCheck(),
          // dns: the mesh zone reaches the mesh DNS server
          new DnsCheck(),
          // leader: one replica writes
          new LeaderCheck(),
          // proxies: one per node, each on the served config
          new ProxiesCheck(),
          new ProxyConfigCheck(),
          // shadows: what the controller writes and what it refused
          new ShadowsCheck(),
          new ProblemsCheck());

  /** The SMI CRDs and versions {@link CrdsCheck} expects. */
  static final List<String> CRDS = CrdsCheck.CRDS;

  private static final Check API = new ApiCheck();

  private final KubernetesClient client;
  private final Function<KubernetesClient, KubernetesClient> asController;
  private final Settings settings;
  private final Clock clock;
  private final ControllerAccess access;
  private final List<Check> optIn = new ArrayList<>();

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

  /**
   * Adds the opt-in item {@code netpol} after the others: it creates a namespace and pods to find
   * out whether the CNI enforces NetworkPolicy ({@link NetworkPolicyProbe}).
   *
   * @param image the probe pods' image, or null for the proxy DaemonSet's
   */
  public ClusterCheck probeNetworkPolicy(String image) {
    optIn.add(new NetworkPolicyProbe(NetworkPolicyProbe.Options.defaults(image)));
    return this;
  }

  /** Every item; after a failed API check the rest are skipped. */
  public List<CheckItem> run() {
    CheckContext context = new CheckContext(client, asController, settings, clock, access);
    List<CheckItem> items = new ArrayList<>();
    CheckItem api = API.run(context);
    items.add(api);
    if (api.status() == CheckItem.Status.FAIL) {
      for (Check c : checks()) {
        items.add(new CheckItem(c.name(), CheckItem.Status.SKIP, "API server unreachable"));
      }
      return items;
    }
    for (Check c : checks()) {
      items.add(guard(c, context));
    }
    return items;
  }

  private List<Check> checks() {
    List<Check> all = new ArrayList<>(CHECKS);
    all.addAll(optIn);
    return all;
  }

  /** An API error inside one item fails that item with its message, not the whole check. */
  private static CheckItem guard(Check check, CheckContext context) {
    try {
      return check.run(context);
    } catch (KubernetesClientException e) {
      return CheckItem.fail(check.name(), "API error: " + CheckText.oneLine(e));
    }
  }
}
