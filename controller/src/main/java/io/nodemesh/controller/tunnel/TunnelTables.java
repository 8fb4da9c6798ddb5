package io.nodemesh.controller.tunnel;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.tunnel.MtlsMode;
import io.nodemesh.config.tunnel.TunnelConfig;
import io.nodemesh.config.tunnel.TunnelPod;
import io.nodemesh.controller.common.IpLiteral;
import io.nodemesh.controller.common.Problem;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Computes {@link TunnelConfig} from the watched Namespaces and Pods, and attaches it to a compiled
 * config. Linear in the number of pods; a namespace or pod with a bad value is reported and skipped
 * (the namespace keeps the chart's mode, the pod gets no tunnel entry, so strict callers refuse
 * it).
 */
public final class TunnelTables {
  /** The namespace label or annotation that sets its mode (docs/annotations.md). */
  public static final String MTLS_KEY = "nodemesh.io/mtls";

  /** RFC 1123 subdomain, as Kubernetes names ServiceAccounts and Nodes; at most 253 characters. */
  private static final Pattern SUBDOMAIN =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

  private TunnelTables() {}

  /**
   * The tunnel part: disabled when every namespace is {@code off}.
   *
   * @param namespaces the Namespaces by name
   * @param meshedPods pods that may carry an identity (running under their own IP), by IP
   * @param allPods every watched pod, where the node proxies are found
   */
  public static TunnelConfig tables(
      TunnelSettings s,
      Map<String, Namespace> namespaces,
      Map<String, Pod> meshedPods,
      List<Pod> allPods,
      List<Problem> problems) {
    Map<String, MtlsMode> modes = new TreeMap<>();
    boolean any = s.mode() != MtlsMode.OFF;
    for (Namespace ns : namespaces.values()) {
      MtlsMode m = modeOf(ns, problems);
      if (m != null && m != s.mode()) {
        modes.put(ns.getMetadata().getName(), m);
        any |= m != MtlsMode.OFF;
      }
    }
    if (!any) {
      return TunnelConfig.disabled();
    }
    return new TunnelConfig(
        s.mode(),
        modes,
        s.trustDomain(),
        proxies(s, allPods),
        pods(s.meshNamespace(), meshedPods, problems));
  }

  /**
   * {@code config} with {@code tunnel} in it. The version moves on when the tunnel changed and
   * nothing else did, so proxies polling with the old version hear of it.
   */
  public static MeshConfig attach(
      MeshConfig config, TunnelConfig tunnel, MeshConfig previous, long nowMillis) {
    long version = config.version();
    if (previous != null && version == previous.version() && !tunnel.equals(previous.tunnel())) {
      version = Math.max(previous.version() + 1, nowMillis);
    }
    return new MeshConfig(
        version, config.meshDomain(), config.listeners(), config.access(), tunnel);
  }

  /** The namespace's own mode, or null when it sets none or a bad one (reported). */
  static MtlsMode modeOf(Namespace ns, List<Problem> problems) {
    String name = ns.getMetadata().getName();
    Map<String, String> labels = ns.getMetadata().getLabels();
    Map<String, String> annotations = ns.getMetadata().getAnnotations();
    String label = labels == null ? null : labels.get(MTLS_KEY);
    String annotation = annotations == null ? null : annotations.get(MTLS_KEY);
    MtlsMode fromLabel = parse(name, "metadata.labels[" + MTLS_KEY + "]", label, problems);
    MtlsMode fromAnnotation =
        parse(name, "metadata.annotations[" + MTLS_KEY + "]", annotation, problems);
    if (fromLabel != null && fromAnnotation != null && fromLabel != fromAnnotation) {
      problems.add(
          new Problem(
              "Namespace",
              null,
              name,
              "metadata.annotations[" + MTLS_KEY + "]",
              "label says "
                  + fromLabel.wireName()
                  + ", annotation says "
                  + fromAnnotation.wireName()
                  + "; the chart's mode applies"));
      return null;
    }
    return fromLabel != null ? fromLabel : fromAnnotation;
  }

  private static MtlsMode parse(String ns, String field, String value, List<Problem> problems) {
    if (value == null) {
      return null;
    }
    // Bounded before parsing: an annotation may be 256 KiB, and the message quotes it.
    if (value.length() <= 16) {
      try {
        return MtlsMode.parse(value);
      } catch (IllegalArgumentException e) {
        // reported below
      }
    }
    String shown = value.length() <= 16 ? value : value.substring(0, 16) + "...";
    problems.add(
        new Problem(
            "Namespace",
            null,
            ns,
            field,
            "'" + shown + "' is not off, permissive or strict; the chart's mode applies"));
    return null;
  }

  /** Each node's ready proxy at {@code podIP:tunnelPort}; the first by name when several are. */
  static Map<String, String> proxies(TunnelSettings s, List<Pod> allPods) {
    SortedMap<String, Pod> byName = new TreeMap<>();
    for (Pod p : allPods) {
      if (p.getMetadata() != null
          && s.meshNamespace().equals(p.getMetadata().getNamespace())
          && selected(p, s.proxySelector())
          && ready(p)
          && p.getSpec() != null
          && p.getSpec().getNodeName() != null
          && IpLiteral.valid(p.getStatus().getPodIP())) {
        byName.put(p.getMetadata().getName(), p);
      }
    }
    Map<String, String> proxies = new HashMap<>();
    for (Pod p : byName.values()) {
      proxies.putIfAbsent(
          p.getSpec().getNodeName(),
          IpLiteral.canonical(p.getStatus().getPodIP()) + ":" + s.tunnelPort());
    }
    return proxies;
  }

  private static boolean selected(Pod p, Map<String, String> selector) {
    Map<String, String> labels = p.getMetadata().getLabels();
    return labels != null && labels.entrySet().containsAll(selector.entrySet());
  }

  private static boolean ready(Pod p) {
    if (p.getStatus() == null
        || !"Running".equals(p.getStatus().getPhase())
        || p.getMetadata().getDeletionTimestamp() != null
        || p.getStatus().getConditions() == null) {
      return false;
    }
    for (PodCondition c : p.getStatus().getConditions()) {
      if ("Ready".equals(c.getType()) && "True".equals(c.getStatus())) {
        return true;
      }
    }
    return false;
  }

  /**
   * Every pod outside the mesh namespace that runs under its own IP and is scheduled, with its node
   * and {@code namespace/serviceAccount}. Clients in {@code off} namespaces are listed too: they
   * need an identity to call a strict namespace.
   */
  static Map<String, TunnelPod> pods(
      String meshNamespace, Map<String, Pod> meshedPods, List<Problem> problems) {
    Map<String, TunnelPod> pods = new HashMap<>();
    for (Map.Entry<String, Pod> e : meshedPods.entrySet()) {
      Pod p = e.getValue();
      String ns = p.getMetadata().getNamespace();
      if (ns == null || ns.equals(meshNamespace) || p.getSpec() == null) {
        continue;
      }
      String node = p.getSpec().getNodeName();
      if (node == null || !name(node)) {
        continue;
      }
      String sa = Objects.requireNonNullElse(p.getSpec().getServiceAccountName(), "default");
      if (!name(sa)) {
        String shown = sa.length() <= 64 ? sa : sa.substring(0, 64) + "...";
        problems.add(
            new Problem(
                "Pod",
                ns,
                p.getMetadata().getName(),
                "spec.serviceAccountName",
                "'" + shown + "' is not a ServiceAccount name; the pod gets no mesh identity"));
        continue;
      }
      String ip = IpLiteral.canonical(e.getKey());
      if (ip != null) {
        pods.put(ip, new TunnelPod(node, ns + "/" + sa));
      }
    }
    return pods;
  }

  private static boolean name(String s) {
    return !s.isEmpty() && s.length() <= 253 && SUBDOMAIN.matcher(s).matches();
  }
}
