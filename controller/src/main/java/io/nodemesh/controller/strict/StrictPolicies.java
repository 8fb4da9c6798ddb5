package io.nodemesh.controller.strict;

import static io.nodemesh.config.wire.ShadowLabels.MANAGED_BY;
import static io.nodemesh.config.wire.ShadowLabels.MANAGED_BY_LABEL;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeerBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicySpec;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.nodemesh.config.tunnel.MtlsMode;
import io.nodemesh.config.tunnel.TunnelConfig;
import io.nodemesh.controller.common.Informers;
import io.nodemesh.controller.common.Problem;
import io.nodemesh.controller.common.ProblemReason;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * The NetworkPolicy {@value #NAME} in every strict namespace (issue 14). It selects every pod of
 * the namespace and admits, on any port, the node proxy pods of the mesh namespace and the peers
 * the namespace lists in {@link AllowFrom#KEY}; the rest of the cluster's pods are refused by a CNI
 * that enforces NetworkPolicy. Existing policies are read through an informer on that one name;
 * {@link #reconcile} writes only the difference. A NetworkPolicy without our {@code managed-by}
 * label is never edited or deleted, even when it has our name: it is reported instead.
 */
public final class StrictPolicies implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(StrictPolicies.class.getName());

  /** The name of the policy in each strict namespace. */
  public static final String NAME = "nodemesh-strict";

  /** Set by the API server on every Namespace (Kubernetes 1.21+), immutable: a safe selector. */
  static final String NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

  private final KubernetesClient client;
  private final String watchNamespace;
  private final Runnable onChange;
  private SharedIndexInformer<NetworkPolicy> informer;

  /**
   * The writes one reconciliation made, and the strict namespaces whose policy someone else owns.
   */
  public record Outcome(int created, int updated, int deleted, int failed, List<Problem> problems) {
    public Outcome {
      problems = List.copyOf(problems);
    }

    public int writes() {
      return created + updated + deleted;
    }
  }

  /**
   * @param watchNamespace the only namespace the controller meshes, or null for all
   * @param onChange called when a policy named {@value #NAME} changes (someone edited ours)
   */
  public StrictPolicies(KubernetesClient client, String watchNamespace, Runnable onChange) {
    this.client = Objects.requireNonNull(client, "client");
    this.watchNamespace = watchNamespace;
    this.onChange = Objects.requireNonNull(onChange, "onChange");
  }

  /** Starts the informer on the policies named {@value #NAME}, ours or not; returns at once. */
  public void start() {
    var policies = client.network().v1().networkPolicies();
    var scoped =
        watchNamespace == null ? policies.inAnyNamespace() : policies.inNamespace(watchNamespace);
    informer = scoped.withField("metadata.name", NAME).runnableInformer(0);
    Informers.startNotifying(informer, onChange, LOG, "NetworkPolicy informer");
  }

  public boolean hasSynced() {
    return informer != null && informer.hasSynced();
  }

  /** How many of the cached policies are ours. */
  public int count() {
    return informer == null
        ? 0
        : (int) informer.getStore().list().stream().filter(StrictPolicies::isOurs).count();
  }

  /**
   * The policies the served config calls for, by namespace: one for each namespace whose mode is
   * {@code strict} and that is meshed. Bad {@link AllowFrom#KEY} entries are reported and skipped.
   *
   * @param meshed which namespaces take part in the mesh (not ignored, not the mesh's own)
   * @param meshNamespace where the node proxies run
   * @param proxySelector the labels of the node proxy pods
   */
  public static Map<String, NetworkPolicy> desired(
      TunnelConfig tunnel,
      Collection<Namespace> namespaces,
      Predicate<Namespace> meshed,
      String meshNamespace,
      Map<String, String> proxySelector,
      List<Problem> problems) {
    Map<String, NetworkPolicy> out = new TreeMap<>();
    for (Namespace ns : namespaces) {
      String name = ns.getMetadata().getName();
      if (tunnel.modeOf(name) != MtlsMode.STRICT || !meshed.test(ns)) {
        continue;
      }
      Map<String, String> annotations = ns.getMetadata().getAnnotations();
      AllowFrom.Peers peers =
          AllowFrom.parse(
              name, annotations == null ? null : annotations.get(AllowFrom.KEY), problems);
      out.put(name, policy(name, peers, meshNamespace, proxySelector));
    }
    return out;
  }

  /** The policy of one strict namespace. */
  static NetworkPolicy policy(
      String namespace,
      AllowFrom.Peers peers,
      String meshNamespace,
      Map<String, String> proxySelector) {
    List<NetworkPolicyIngressRule> rules = new ArrayList<>();
    // Both selectors in one peer: proxy pods *in* the mesh namespace, not any namespace's pods
    // that copy the proxies' labels (NetworkPolicy API: namespaceSelector AND podSelector).
    rules.add(
        rule(
            List.of(
                new NetworkPolicyPeerBuilder()
                    .withNamespaceSelector(selector(Map.of(NAMESPACE_NAME_LABEL, meshNamespace)))
                    .withPodSelector(selector(proxySelector))
                    .build())));
    List<NetworkPolicyPeer> listed = new ArrayList<>();
    for (String cidr : peers.cidrs()) {
      listed.add(
          new NetworkPolicyPeerBuilder().withNewIpBlock().withCidr(cidr).endIpBlock().build());
    }
    for (String ns : peers.namespaces()) {
      listed.add(
          new NetworkPolicyPeerBuilder()
              .withNamespaceSelector(selector(Map.of(NAMESPACE_NAME_LABEL, ns)))
              .build());
    }
    if (!listed.isEmpty()) {
      rules.add(rule(listed));
    }
    return new NetworkPolicyBuilder()
        .withNewMetadata()
        .withName(NAME)
        .withNamespace(namespace)
        .withLabels(Map.of(MANAGED_BY_LABEL, MANAGED_BY))
        .endMetadata()
        .withNewSpec()
        .withPodSelector(new LabelSelector())
        .withPolicyTypes("Ingress")
        .withIngress(rules)
        .endSpec()
        .build();
  }

  private static NetworkPolicyIngressRule rule(List<NetworkPolicyPeer> from) {
    NetworkPolicyIngressRule r = new NetworkPolicyIngressRule();
    r.setFrom(from);
    return r;
  }

  private static LabelSelector selector(Map<String, String> labels) {
    return new LabelSelectorBuilder().withMatchLabels(new TreeMap<>(labels)).build();
  }

  /**
   * Makes the policies match {@code want}: create missing, update changed, delete ours where no
   * longer wanted. A policy named {@value #NAME} that is not ours is reported, never written.
   */
  public Outcome reconcile(Map<String, NetworkPolicy> want) {
    Map<String, NetworkPolicy> have = new HashMap<>();
    if (informer != null) {
      informer.getStore().list().forEach(p -> have.put(p.getMetadata().getNamespace(), p));
    }
    int created = 0;
    int updated = 0;
    int deleted = 0;
    int failed = 0;
    List<Problem> problems = new ArrayList<>();
    for (Map.Entry<String, NetworkPolicy> e : want.entrySet()) {
      String ns = e.getKey();
      NetworkPolicy actual = have.get(ns);
      NetworkPolicy target = e.getValue();
      var resource = client.network().v1().networkPolicies().inNamespace(ns);
      try {
        if (actual == null) {
          resource.resource(target).create();
          created++;
          LOG.log(Level.INFO, "created NetworkPolicy " + ns + "/" + NAME + " (strict mode)");
        } else if (!isOurs(actual)) {
          problems.add(foreign(ns));
        } else if (!fingerprint(target.getSpec()).equals(fingerprint(actual.getSpec()))) {
          // Checked again on the object the API server returns: the cache can be behind.
          resource.withName(NAME).edit(p -> isOurs(p) ? own(p, target) : p);
          updated++;
          LOG.log(Level.INFO, "updated NetworkPolicy " + ns + "/" + NAME);
        }
      } catch (KubernetesClientException ex) {
        if (ex.getCode() == 409 && actual == null) {
          // Not in our cache, yet there: someone else's, or ours made a moment ago.
          NetworkPolicy there = resource.withName(NAME).get();
          if (there != null && !isOurs(there)) {
            problems.add(foreign(ns));
            continue;
          }
        }
        failed++;
        LOG.log(
            Level.WARNING,
            "writing NetworkPolicy "
                + ns
                + "/"
                + NAME
                + " failed ("
                + ex.getCode()
                + "): "
                + ex.getMessage()
                + "; will retry");
      }
    }
    for (Map.Entry<String, NetworkPolicy> e : have.entrySet()) {
      NetworkPolicy p = e.getValue();
      if (want.containsKey(e.getKey()) || !isOurs(p)) {
        continue;
      }
      try {
        // Only the version we saw is ours to delete: a precondition, not a second look.
        client
            .network()
            .v1()
            .networkPolicies()
            .inNamespace(e.getKey())
            .withName(NAME)
            .lockResourceVersion(p.getMetadata().getResourceVersion())
            .delete();
        deleted++;
        LOG.log(Level.INFO, "deleted NetworkPolicy " + e.getKey() + "/" + NAME + " (not strict)");
      } catch (KubernetesClientException ex) {
        failed++;
        LOG.log(
            Level.WARNING,
            "deleting NetworkPolicy " + e.getKey() + "/" + NAME + " failed: " + ex.getMessage());
      }
    }
    return new Outcome(created, updated, deleted, failed, problems);
  }

  /**
   * Deletes every strict-mode policy Nodemesh wrote, in every namespace ({@code nodemesh cleanup},
   * after an uninstall: a running controller writes them again). Returns {@code namespace/name} of
   * each one deleted. Policies without our label are not touched.
   */
  public static List<String> deleteAll(KubernetesClient client) {
    List<String> deleted = new ArrayList<>();
    var list =
        client
            .network()
            .v1()
            .networkPolicies()
            .inAnyNamespace()
            .withLabel(MANAGED_BY_LABEL, MANAGED_BY)
            .list()
            .getItems();
    for (NetworkPolicy p : list) {
      String ns = p.getMetadata().getNamespace();
      if (!NAME.equals(p.getMetadata().getName()) || !isOurs(p)) {
        continue;
      }
      client
          .network()
          .v1()
          .networkPolicies()
          .inNamespace(ns)
          .withName(NAME)
          .lockResourceVersion(p.getMetadata().getResourceVersion())
          .delete();
      deleted.add(ns + "/" + NAME);
    }
    deleted.sort(null);
    return deleted;
  }

  private static Problem foreign(String namespace) {
    return new Problem(
        "NetworkPolicy",
        namespace,
        NAME,
        "metadata.labels[" + MANAGED_BY_LABEL + "]",
        "namespace "
            + namespace
            + " is strict, but this NetworkPolicy was not written by Nodemesh; it is left as it is"
            + " and Nodemesh's policy is not in force: rename or delete it",
        ProblemReason.NOT_MANAGED);
  }

  /** Whether Nodemesh wrote {@code p}. */
  public static boolean isOurs(NetworkPolicy p) {
    Map<String, String> labels = p.getMetadata().getLabels();
    return labels != null && MANAGED_BY.equals(labels.get(MANAGED_BY_LABEL));
  }

  /** {@code current} with our label and spec, its other labels and annotations kept. */
  private static NetworkPolicy own(NetworkPolicy current, NetworkPolicy target) {
    Map<String, String> labels =
        new TreeMap<>(Objects.requireNonNullElse(current.getMetadata().getLabels(), Map.of()));
    labels.putAll(target.getMetadata().getLabels());
    return new NetworkPolicyBuilder(current)
        .editMetadata()
        .withLabels(labels)
        .endMetadata()
        .withSpec(target.getSpec())
        .build();
  }

  /**
   * The fields of a spec that we set, as text with absent and empty alike: the API server fills in
   * defaults (an empty selector, a port's protocol), and comparing the objects as they come back
   * would write the same policy on every reconciliation.
   */
  static String fingerprint(NetworkPolicySpec spec) {
    if (spec == null) {
      return "";
    }
    StringBuilder b = new StringBuilder();
    b.append(selectorText(spec.getPodSelector())).append('|').append(spec.getPolicyTypes());
    b.append("|egress=").append(spec.getEgress() == null ? 0 : spec.getEgress().size());
    for (NetworkPolicyIngressRule r :
        Objects.requireNonNullElse(spec.getIngress(), List.<NetworkPolicyIngressRule>of())) {
      b.append("|from:");
      for (NetworkPolicyPeer p :
          Objects.requireNonNullElse(r.getFrom(), List.<NetworkPolicyPeer>of())) {
        b.append('[');
        if (p.getIpBlock() != null) {
          b.append("ip=")
              .append(p.getIpBlock().getCidr())
              .append(" except=")
              .append(Objects.requireNonNullElse(p.getIpBlock().getExcept(), List.of()));
        }
        if (p.getNamespaceSelector() != null) {
          b.append(" ns=").append(selectorText(p.getNamespaceSelector()));
        }
        if (p.getPodSelector() != null) {
          b.append(" pod=").append(selectorText(p.getPodSelector()));
        }
        b.append(']');
      }
      b.append(" ports:");
      for (NetworkPolicyPort port :
          Objects.requireNonNullElse(r.getPorts(), List.<NetworkPolicyPort>of())) {
        b.append(Objects.requireNonNullElse(port.getProtocol(), "TCP"))
            .append('/')
            .append(port.getPort())
            .append('-')
            .append(port.getEndPort())
            .append(',');
      }
    }
    return b.toString();
  }

  private static String selectorText(LabelSelector s) {
    if (s == null) {
      return "{}";
    }
    return new TreeMap<>(Objects.requireNonNullElse(s.getMatchLabels(), Map.of()))
        + "/"
        + Objects.requireNonNullElse(s.getMatchExpressions(), List.of());
  }

  @Override
  public void close() {
    if (informer != null) {
      informer.stop();
    }
  }
}
