package io.nodemesh.controller.shadow;

import static io.nodemesh.config.wire.ShadowLabels.MANAGED_BY;
import static io.nodemesh.config.wire.ShadowLabels.MANAGED_BY_LABEL;
import static io.nodemesh.config.wire.ShadowLabels.SOURCE_ANNOTATION;
import static io.nodemesh.config.wire.ShadowLabels.SOURCE_NAMESPACE_LABEL;
import static io.nodemesh.config.wire.ShadowLabels.SOURCE_NAME_LABEL;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.Protocol;
import io.nodemesh.controller.common.Informers;
import io.nodemesh.controller.common.Problem;
import io.nodemesh.controller.compile.PortAllocation;
import io.nodemesh.controller.compile.PortKey;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The shadow Services in the mesh namespace: one per meshed Service, selecting the node proxies
 * with {@code internalTrafficPolicy: Local}, mapping each original port to its proxy port. Existing
 * ones are read through an informer (cache); {@link #reconcile} computes the desired set and writes
 * only the difference. Services without our {@code managed-by} label are never touched.
 */
public final class ShadowServices implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(ShadowServices.class.getName());

  private final KubernetesClient client;
  private final String meshNamespace;
  private final Map<String, String> proxySelector;
  private final Runnable onChange;
  private final Namer namer;
  private SharedIndexInformer<Service> informer;

  /**
   * The writes one reconciliation made.
   *
   * @param created shadow Services created
   * @param updated shadow Services updated
   * @param deleted orphans deleted
   * @param failed writes that failed (retried on the next reconciliation)
   * @param problems Services that get no shadow because another holds its name
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
   * @param meshNamespace where the shadow Services live
   * @param proxySelector the labels that select the node proxy pods (the shadows' selector)
   */
  public ShadowServices(
      KubernetesClient client,
      String meshNamespace,
      Map<String, String> proxySelector,
      Runnable onChange) {
    this(client, meshNamespace, proxySelector, onChange, ShadowNames::shadowName);
  }

  ShadowServices(
      KubernetesClient client,
      String meshNamespace,
      Map<String, String> proxySelector,
      Runnable onChange,
      Namer namer) {
    this.namer = Objects.requireNonNull(namer, "namer");
    this.client = Objects.requireNonNull(client, "client");
    this.meshNamespace = Objects.requireNonNull(meshNamespace, "meshNamespace");
    this.proxySelector = Map.copyOf(proxySelector);
    this.onChange = Objects.requireNonNull(onChange, "onChange");
  }

  /** Starts the informer on our shadow Services; returns at once. */
  public void start() {
    informer =
        client
            .services()
            .inNamespace(meshNamespace)
            .withLabel(MANAGED_BY_LABEL, MANAGED_BY)
            .runnableInformer(0);
    Informers.startNotifying(
        informer, onChange, LOG, "shadow Service informer in " + meshNamespace);
  }

  public boolean hasSynced() {
    return informer != null && informer.hasSynced();
  }

  /** The shadow Services as the cache holds them. */
  public List<Service> existing() {
    return informer == null ? List.of() : informer.getStore().list();
  }

  /** How many shadow Services exist. */
  public int count() {
    return existing().size();
  }

  /**
   * The port allocation the existing shadow Services record (their targetPorts), so that a restart
   * or a new leader keeps every proxy port.
   */
  public PortAllocation seed() {
    return seedFrom(existing());
  }

  /** The allocation recorded in {@code shadows}. */
  public static PortAllocation seedFrom(List<Service> shadows) {
    Map<PortKey, Integer> ports = new TreeMap<>();
    List<Service> sorted = new ArrayList<>(shadows);
    sorted.sort(Comparator.comparing(s -> s.getMetadata().getName()));
    for (Service s : sorted) {
      Map<String, String> labels =
          Objects.requireNonNullElse(s.getMetadata().getLabels(), Map.of());
      String ns = labels.get(SOURCE_NAMESPACE_LABEL);
      String name = labels.get(SOURCE_NAME_LABEL);
      if (ns == null || name == null || s.getSpec() == null || s.getSpec().getPorts() == null) {
        continue;
      }
      for (ServicePort p : s.getSpec().getPorts()) {
        Protocol protocol = protocolOf(p.getName());
        IntOrString target = p.getTargetPort();
        if (protocol == null
            || p.getPort() == null
            || target == null
            || target.getIntVal() == null) {
          continue;
        }
        PortKey key = new PortKey(ns, name, p.getPort(), protocol);
        if (!ports.containsValue(target.getIntVal())) {
          ports.putIfAbsent(key, target.getIntVal());
        }
      }
    }
    return PortAllocation.of(ports);
  }

  private static Protocol protocolOf(String portName) {
    int dash = portName == null ? -1 : portName.indexOf('-');
    if (dash < 0) {
      return null;
    }
    try {
      return Protocol.parse(portName.substring(0, dash));
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** Names the shadow Service of {@code namespace/name}; a test seam for a shorter hash. */
  @FunctionalInterface
  interface Namer {
    String name(String namespace, String name);
  }

  /**
   * The shadow Services a reconciliation wants, by name, and the Services that lost their name to
   * another one.
   */
  record Plan(Map<String, Service> services, List<Problem> problems) {
    Plan {
      services = Collections.unmodifiableMap(new TreeMap<>(services));
      problems = List.copyOf(problems);
    }
  }

  /** The shadow Services {@code config} calls for, by name, as if none existed yet. */
  public static Map<String, Service> desired(
      MeshConfig config, String meshNamespace, Map<String, String> proxySelector) {
    return plan(config, meshNamespace, proxySelector, ShadowNames::shadowName, Map.of(), List.of())
        .services();
  }

  /**
   * The shadow Services {@code config} calls for, with name collisions settled by {@link
   * ShadowClaims}: an existing shadow keeps serving the Service its labels name.
   *
   * @param sources the source Services by {@code namespace/name}, for their age
   * @param existing the shadow Services that exist now
   */
  static Plan plan(
      MeshConfig config,
      String meshNamespace,
      Map<String, String> proxySelector,
      Namer namer,
      Map<String, Service> sources,
      List<Service> existing) {
    Map<String, List<ListenerConfig>> bySource = new LinkedHashMap<>();
    for (ListenerConfig l : config.listeners()) {
      bySource.computeIfAbsent(l.namespace() + "/" + l.service(), k -> new ArrayList<>()).add(l);
    }
    Map<String, List<ShadowClaims.Claim>> claims = new TreeMap<>();
    for (Map.Entry<String, List<ListenerConfig>> e : bySource.entrySet()) {
      ListenerConfig first = e.getValue().get(0);
      claims
          .computeIfAbsent(namer.name(first.namespace(), first.service()), k -> new ArrayList<>())
          .add(new ShadowClaims.Claim(first.namespace(), first.service(), sources.get(e.getKey())));
    }
    Map<String, String> holders = new HashMap<>();
    for (Service s : existing) {
      String source = sourceOf(s);
      if (source != null) {
        holders.put(s.getMetadata().getName(), source);
      }
    }
    List<Problem> problems = new ArrayList<>();
    Map<String, Service> out = new TreeMap<>();
    ShadowClaims.settle(claims, holders, problems)
        .forEach(
            (name, c) ->
                out.put(name, shadow(name, bySource.get(c.key()), meshNamespace, proxySelector)));
    return new Plan(out, problems);
  }

  /**
   * The {@code namespace/name} a shadow's labels name, or null when they name none (a shadow
   * someone stripped of them: it is ours and may be rewritten).
   */
  static String sourceOf(Service shadow) {
    Map<String, String> labels = shadow.getMetadata().getLabels();
    String ns = labels == null ? null : labels.get(SOURCE_NAMESPACE_LABEL);
    String name = labels == null ? null : labels.get(SOURCE_NAME_LABEL);
    return ns == null || name == null ? null : ns + "/" + name;
  }

  private static Service shadow(
      String name,
      List<ListenerConfig> ls,
      String meshNamespace,
      Map<String, String> proxySelector) {
    ListenerConfig first = ls.get(0);
    List<ServicePort> ports = new ArrayList<>();
    for (ListenerConfig l : ls) {
      ports.add(
          new ServicePortBuilder()
              .withName(l.protocol().wireName() + "-" + l.port())
              .withPort(l.port())
              .withTargetPort(new IntOrString(l.proxyPort()))
              .withProtocol(l.protocol() == Protocol.UDP ? "UDP" : "TCP")
              .build());
    }
    ports.sort(Comparator.comparing(ServicePort::getName));
    Map<String, String> labels = new TreeMap<>();
    labels.put(MANAGED_BY_LABEL, MANAGED_BY);
    labels.put(SOURCE_NAMESPACE_LABEL, first.namespace());
    labels.put(SOURCE_NAME_LABEL, first.service());
    return new ServiceBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(meshNamespace)
        .withLabels(labels)
        .withAnnotations(Map.of(SOURCE_ANNOTATION, first.namespace() + "/" + first.service()))
        .endMetadata()
        .withNewSpec()
        .withType("ClusterIP")
        .withSelector(new TreeMap<>(proxySelector))
        .withInternalTrafficPolicy("Local")
        .withPorts(ports)
        .endSpec()
        .build();
  }

  /** Whether {@code actual} differs from {@code want} in a field we own. */
  static boolean differs(Service want, Service actual) {
    Map<String, String> labels =
        Objects.requireNonNullElse(actual.getMetadata().getLabels(), Map.of());
    Map<String, String> annotations =
        Objects.requireNonNullElse(actual.getMetadata().getAnnotations(), Map.of());
    for (Map.Entry<String, String> e : want.getMetadata().getLabels().entrySet()) {
      if (!e.getValue().equals(labels.get(e.getKey()))) {
        return true;
      }
    }
    if (!want.getMetadata()
        .getAnnotations()
        .get(SOURCE_ANNOTATION)
        .equals(annotations.get(SOURCE_ANNOTATION))) {
      return true;
    }
    var a = actual.getSpec();
    var w = want.getSpec();
    if (a == null
        || !Objects.equals(w.getType(), Objects.requireNonNullElse(a.getType(), "ClusterIP"))
        || !Objects.equals(w.getSelector(), a.getSelector())
        || !Objects.equals(w.getInternalTrafficPolicy(), a.getInternalTrafficPolicy())) {
      return true;
    }
    return !portsOf(w.getPorts()).equals(portsOf(a.getPorts()));
  }

  private static Map<String, String> portsOf(List<ServicePort> ports) {
    Map<String, String> out = new TreeMap<>();
    for (ServicePort p : ports == null ? List.<ServicePort>of() : ports) {
      out.put(
          String.valueOf(p.getName()),
          p.getPort()
              + ">"
              + (p.getTargetPort() == null ? null : p.getTargetPort().getIntVal())
              + "/"
              + Objects.requireNonNullElse(p.getProtocol(), "TCP"));
    }
    return out;
  }

  /**
   * Makes the shadow Services match {@code config}: create missing, update changed, delete orphans.
   * A shadow whose labels name another Service than the one that wants it is never edited.
   *
   * @param sources the source Services by {@code namespace/name} (the topology's), for their age
   */
  public Outcome reconcile(MeshConfig config, Map<String, Service> sources) {
    List<Service> current = existing();
    Plan plan = plan(config, meshNamespace, proxySelector, namer, sources, current);
    Map<String, Service> want = plan.services();
    Map<String, Service> have = new HashMap<>();
    for (Service s : current) {
      have.put(s.getMetadata().getName(), s);
    }
    int created = 0;
    int updated = 0;
    int deleted = 0;
    int failed = 0;
    for (Map.Entry<String, Service> e : want.entrySet()) {
      Service actual = have.get(e.getKey());
      Service target = e.getValue();
      try {
        if (actual == null) {
          client.services().inNamespace(meshNamespace).resource(target).create();
          created++;
          LOG.log(
              Level.INFO,
              "created shadow Service "
                  + meshNamespace
                  + "/"
                  + e.getKey()
                  + " for "
                  + target.getMetadata().getAnnotations().get(SOURCE_ANNOTATION));
        } else if (differs(target, actual) && !heldByAnother(actual, target)) {
          client
              .services()
              .inNamespace(meshNamespace)
              .withName(e.getKey())
              // Checked again on the object the API server returns: the cache can be behind.
              .edit(s -> heldByAnother(s, target) ? s : own(s, target));
          updated++;
          LOG.log(Level.INFO, "updated shadow Service " + meshNamespace + "/" + e.getKey());
        }
      } catch (KubernetesClientException ex) {
        failed++;
        LOG.log(
            Level.WARNING,
            "writing shadow Service "
                + meshNamespace
                + "/"
                + e.getKey()
                + " failed ("
                + ex.getCode()
                + "): "
                + ex.getMessage()
                + "; will retry");
      }
    }
    for (Map.Entry<String, Service> e : have.entrySet()) {
      if (want.containsKey(e.getKey()) || !isOurs(e.getValue())) {
        continue;
      }
      try {
        client.services().inNamespace(meshNamespace).withName(e.getKey()).delete();
        deleted++;
        LOG.log(Level.INFO, "deleted orphan shadow Service " + meshNamespace + "/" + e.getKey());
      } catch (KubernetesClientException ex) {
        failed++;
        LOG.log(
            Level.WARNING, "deleting shadow Service " + e.getKey() + " failed: " + ex.getMessage());
      }
    }
    return new Outcome(created, updated, deleted, failed, plan.problems());
  }

  /** Whether {@code actual}'s labels name another source Service than {@code target}'s. */
  private static boolean heldByAnother(Service actual, Service target) {
    String holder = sourceOf(actual);
    return holder != null && !holder.equals(sourceOf(target));
  }

  private static boolean isOurs(Service s) {
    Map<String, String> labels = s.getMetadata().getLabels();
    return labels != null && MANAGED_BY.equals(labels.get(MANAGED_BY_LABEL));
  }

  /**
   * {@code current} with the fields we own taken from {@code target}, the rest (clusterIP...) kept.
   */
  private static Service own(Service current, Service target) {
    Map<String, String> labels =
        new TreeMap<>(Objects.requireNonNullElse(current.getMetadata().getLabels(), Map.of()));
    labels.putAll(target.getMetadata().getLabels());
    Map<String, String> annotations =
        new TreeMap<>(Objects.requireNonNullElse(current.getMetadata().getAnnotations(), Map.of()));
    annotations.putAll(target.getMetadata().getAnnotations());
    return new ServiceBuilder(current)
        .editMetadata()
        .withLabels(labels)
        .withAnnotations(annotations)
        .endMetadata()
        .editOrNewSpec()
        .withType(target.getSpec().getType())
        .withSelector(target.getSpec().getSelector())
        .withInternalTrafficPolicy(target.getSpec().getInternalTrafficPolicy())
        .withPorts(target.getSpec().getPorts())
        .endSpec()
        .build();
  }

  @Override
  public void close() {
    if (informer != null) {
      informer.stop();
    }
  }
}
