package io.nodemesh.cli.check;

import static io.nodemesh.cli.check.CheckText.list;
import static io.nodemesh.cli.check.CheckText.oneLine;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * {@code check --probe-network-policy} (issue 14): whether the cluster's CNI enforces
 * NetworkPolicy, found out by trying it. In a namespace of its own ({@code
 * nodemesh-probe-<random>}, labelled {@value ProbePods#PROBE_LABEL}) it runs a server pod on node
 * X, calls it from a pod on X and from one on node Y, adds a deny-all-ingress policy and calls
 * again; the client pods' phase says whether each call got through. The namespace is deleted
 * however the probe ends, and the whole probe is bounded in time. Strict mode's NetworkPolicy
 * (docs/security.md) protects nothing on a CNI that does not enforce it, so a strict namespace
 * there is a warning.
 */
final class NetworkPolicyProbe implements Check {
  static final String NAME = "netpol";

  /**
   * How the probe runs.
   *
   * @param image the image of the probe pods; null means the proxy DaemonSet's
   * @param total the bound on the whole probe
   * @param poll how often a pod's phase is read
   * @param delaySeconds how long the clients after the policy wait before calling (CNIs program a
   *     new policy with a lag)
   */
  record Options(String image, Duration total, Duration poll, int delaySeconds) {
    static Options defaults(String image) {
      return new Options(image, Duration.ofSeconds(120), Duration.ofSeconds(1), 5);
    }
  }

  /** What one path (same node, cross node) showed. */
  record Outcome(Verdict verdict, String why) {
    enum Verdict {
      ENFORCED,
      NOT_ENFORCED,
      UNKNOWN
    }

    static Outcome unknown(String why) {
      return new Outcome(Verdict.UNKNOWN, why);
    }

    String text() {
      return switch (verdict) {
        case ENFORCED -> "enforced";
        case NOT_ENFORCED -> "not enforced";
        case UNKNOWN -> "unknown (" + why + ")";
      };
    }
  }

  private static final SecureRandom RANDOM = new SecureRandom();

  private final Options options;
  private final Supplier<String> suffix;

  NetworkPolicyProbe(Options options) {
    this(options, () -> HexFormat.of().formatHex(RANDOM.generateSeed(4)));
  }

  /** As above, the namespace named {@code nodemesh-probe-<suffix>} (a test knows it in advance). */
  NetworkPolicyProbe(Options options, Supplier<String> suffix) {
    this.options = options;
    this.suffix = suffix;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public CheckItem run(CheckContext c) {
    KubernetesClient k = c.client();
    String ns = "nodemesh-probe-" + suffix.get();
    CheckItem result;
    boolean created = false;
    try {
      String image = options.image() != null ? options.image() : chartImage(c);
      if (image == null) {
        return CheckItem.warn(
            NAME,
            "no image for the probe pods: DaemonSet %s/%s not found; pass --probe-image"
                .formatted(c.settings().meshNamespace(), c.settings().proxyName()));
      }
      List<String> nodes = schedulableNodes(k);
      if (nodes.isEmpty()) {
        return CheckItem.warn(NAME, "no schedulable node to probe on");
      }
      k.namespaces().resource(ProbePods.namespace(ns)).create();
      created = true;
      Outcome[] paths = probe(k, ns, image, nodes);
      result = verdict(paths[0], paths[1], strictNamespaces(k));
    } catch (KubernetesClientException e) {
      if (e.getCode() != 403) {
        throw e;
      }
      result =
          CheckItem.warn(
              NAME,
              "not allowed to run the probe ("
                  + oneLine(e)
                  + "); it needs create/delete on namespaces, pods and networkpolicies, and"
                  + " list on nodes: run check as a user who has them, or leave out"
                  + " --probe-network-policy");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      result = CheckItem.warn(NAME, "interrupted");
    } finally {
      // The namespace goes whatever happened; a failure to delete it is said in the report.
      if (created) {
        ns = delete(k, ns);
      }
    }
    return created
        ? new CheckItem(result.name(), result.status(), result.detail() + "; " + ns)
        : result;
  }

  /** Runs both paths: {same node, cross node}. */
  private Outcome[] probe(KubernetesClient k, String ns, String image, List<String> nodes)
      throws InterruptedException {
    long deadline = System.nanoTime() + options.total().toNanos();
    String x = nodes.get(0);
    String y = nodes.size() > 1 ? nodes.get(1) : null;
    create(k, ProbePods.server(ns, x, image));
    Pod server = await(k, ns, "server", NetworkPolicyProbe::runningWithIp, deadline);
    if (server == null) {
      Outcome o = Outcome.unknown("the server pod did not run on " + x + " in time");
      return new Outcome[] {o, o};
    }
    String ip = server.getStatus().getPodIP();
    create(k, ProbePods.client(ns, "same-baseline", x, image, ip, 0));
    if (y != null) {
      create(k, ProbePods.client(ns, "cross-baseline", y, image, ip, 0));
    }
    String sameBase = phase(await(k, ns, "same-baseline", NetworkPolicyProbe::ended, deadline));
    String crossBase =
        y == null
            ? null
            : phase(await(k, ns, "cross-baseline", NetworkPolicyProbe::ended, deadline));
    k.network().v1().networkPolicies().inNamespace(ns).resource(ProbePods.denyAll(ns)).create();
    int delay = options.delaySeconds();
    if ("Succeeded".equals(sameBase)) {
      create(k, ProbePods.client(ns, "same-policy", x, image, ip, delay));
    }
    if ("Succeeded".equals(crossBase)) {
      create(k, ProbePods.client(ns, "cross-policy", y, image, ip, delay));
    }
    Outcome same = outcome(k, ns, "same", sameBase, deadline);
    Outcome cross =
        y == null
            ? Outcome.unknown("only one schedulable node")
            : outcome(k, ns, "cross", crossBase, deadline);
    return new Outcome[] {same, cross};
  }

  private Outcome outcome(
      KubernetesClient k, String ns, String path, String baseline, long deadline)
      throws InterruptedException {
    if (baseline == null) {
      return Outcome.unknown("the call without a policy did not finish in time");
    }
    if (!"Succeeded".equals(baseline)) {
      return Outcome.unknown("the call failed even without a policy");
    }
    String after = phase(await(k, ns, path + "-policy", NetworkPolicyProbe::ended, deadline));
    if (after == null) {
      return Outcome.unknown("the call under the policy did not finish in time");
    }
    return "Succeeded".equals(after)
        ? new Outcome(Outcome.Verdict.NOT_ENFORCED, "")
        : new Outcome(Outcome.Verdict.ENFORCED, "");
  }

  /**
   * The item: a warning when strict namespaces rely on what the CNI does not (shown to) enforce.
   */
  static CheckItem verdict(Outcome same, Outcome cross, Set<String> strict) {
    StringBuilder d =
        new StringBuilder("same-node: ")
            .append(same.text())
            .append(", cross-node: ")
            .append(cross.text());
    if (same.verdict() == Outcome.Verdict.NOT_ENFORCED) {
      d.append(
          "; same-node traffic is commonly not blocked (some CNIs do not filter between pods of"
              + " one node, and none filters the node itself)");
    }
    boolean crossOk = cross.verdict() == Outcome.Verdict.ENFORCED;
    if (!crossOk && !strict.isEmpty()) {
      d.append("; strict namespaces ")
          .append(list(strict))
          .append(" rely on NetworkPolicy, which this cluster's CNI ")
          .append(
              cross.verdict() == Outcome.Verdict.NOT_ENFORCED
                  ? "does not enforce across nodes"
                  : "was not shown to enforce")
          .append(": direct calls to their pods are not refused");
      return CheckItem.warn(NAME, d.toString());
    }
    if (!strict.isEmpty()) {
      d.append("; strict namespaces: ").append(list(strict));
    }
    boolean unknown =
        same.verdict() == Outcome.Verdict.UNKNOWN || cross.verdict() == Outcome.Verdict.UNKNOWN;
    return unknown ? CheckItem.warn(NAME, d.toString()) : CheckItem.pass(NAME, d.toString());
  }

  /** Namespaces that are strict: the controller's policy in them, or the mode set on them. */
  private static Set<String> strictNamespaces(KubernetesClient k) {
    Set<String> strict = new TreeSet<>();
    for (HasMetadata p : k.network().v1().networkPolicies().inAnyNamespace().list().getItems()) {
      if ("nodemesh-strict".equals(p.getMetadata().getName())) {
        strict.add(p.getMetadata().getNamespace());
      }
    }
    for (HasMetadata n : k.namespaces().list().getItems()) {
      if (isStrict(n.getMetadata().getLabels()) || isStrict(n.getMetadata().getAnnotations())) {
        strict.add(n.getMetadata().getName());
      }
    }
    return strict;
  }

  private static boolean isStrict(Map<String, String> m) {
    return m != null && "strict".equalsIgnoreCase(m.get("nodemesh.io/mtls"));
  }

  private static List<String> schedulableNodes(KubernetesClient k) {
    List<String> nodes = new ArrayList<>();
    for (Node n : k.nodes().list().getItems()) {
      if (n.getSpec() == null || !Boolean.TRUE.equals(n.getSpec().getUnschedulable())) {
        nodes.add(n.getMetadata().getName());
      }
    }
    nodes.sort(null);
    return nodes;
  }

  /** The image of the chart's proxy DaemonSet, or null. */
  private static String chartImage(CheckContext c) {
    var spec = ProxiesCheck.proxyPodSpec(c);
    return spec == null || spec.getContainers().isEmpty()
        ? null
        : spec.getContainers().get(0).getImage();
  }

  private static void create(KubernetesClient k, Pod p) {
    k.pods().inNamespace(p.getMetadata().getNamespace()).resource(p).create();
  }

  /** Reads the pod until {@code done} holds or the deadline passes (then null). */
  private Pod await(KubernetesClient k, String ns, String name, Predicate<Pod> done, long deadline)
      throws InterruptedException {
    while (true) {
      Pod p = k.pods().inNamespace(ns).withName(name).get();
      if (p != null && done.test(p)) {
        return p;
      }
      if (System.nanoTime() - deadline >= 0) {
        return null;
      }
      Thread.sleep(options.poll().toMillis());
    }
  }

  private static boolean runningWithIp(Pod p) {
    return p.getStatus() != null
        && "Running".equals(p.getStatus().getPhase())
        && !CheckText.blank(p.getStatus().getPodIP());
  }

  private static boolean ended(Pod p) {
    return phase(p) != null && ("Succeeded".equals(phase(p)) || "Failed".equals(phase(p)));
  }

  private static String phase(Pod p) {
    return p == null || p.getStatus() == null ? null : p.getStatus().getPhase();
  }

  /** Deletes the namespace; says so, or what to do by hand. */
  private static String delete(KubernetesClient k, String ns) {
    try {
      k.namespaces().withName(ns).delete();
      return "namespace " + ns + " deleted";
    } catch (KubernetesClientException e) {
      return "could not delete namespace "
          + ns
          + " ("
          + oneLine(e)
          + "): kubectl delete namespace -l "
          + ProbePods.PROBE_LABEL
          + "="
          + ProbePods.PROBE_VALUE;
    }
  }
}
