package io.nodemesh.dns;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.nodemesh.config.wire.ShadowLabels;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * Finds the cluster DNS and sends the mesh zone to the mesh DNS server ({@code prepare}), takes it
 * back out ({@code cleanup}), and reports the state ({@code status}). Every write is computed from
 * what is there, so running either twice changes nothing the second time.
 *
 * <p>Where the zone goes depends on what runs: CoreDNS gets a server block in its Corefile (or,
 * when it imports {@code *.server} files from a mounted {@code coredns-custom} ConfigMap, a key
 * there, which managed add-ons do not reconcile); kube-dns gets a {@code stubDomains} entry.
 * Nothing is restarted: CoreDNS's {@code reload} plugin re-reads the Corefile, imported files
 * included, when the mounted ConfigMap changes, and kube-dns re-reads its ConfigMap on its own, so
 * the patcher needs no right on the DNS Deployment beyond reading it (issue 13). {@code prepare}
 * refuses a CoreDNS whose Corefile has no {@code reload}. It leaves a record in the mesh namespace
 * so that {@code status} can tell a patch that was never made from one that something reverted.
 */
public final class DnsPatcher {
  private static final System.Logger LOG = System.getLogger(DnsPatcher.class.getName());

  /**
   * CoreDNS re-reads imported {@code *.server} files on {@code reload} since 1.6.2
   * (coredns/coredns#3068); older ones would need a restart to see the block.
   */
  static final CoreDnsVersion RELOADS_IMPORTS = new CoreDnsVersion(1, 6, 2);

  private static final Pattern RELOAD_PLUGIN = Pattern.compile("(?m)^\\s*reload(\\s|\\{|$)");

  /** Marks a ConfigMap that {@code prepare} created and {@code cleanup} may delete. */
  public static final String CREATED_ANNOTATION = "nodemesh.io/created-by-prepare";

  /**
   * kube-dns: the {@code stubDomains} value before {@code prepare}, restored by {@code cleanup}.
   */
  public static final String STUBS_BEFORE_ANNOTATION = "nodemesh.io/stub-domains-before";

  /** kube-dns: there was no {@code stubDomains} key before {@code prepare}. */
  public static final String STUBS_ABSENT_ANNOTATION = "nodemesh.io/stub-domains-absent";

  /** The record of a {@code prepare}, a ConfigMap in the mesh namespace. */
  public static final String RECORD_NAME = "nodemesh-dns-patch";

  /** The Service of the mesh DNS server that the cluster DNS forwards the zone to. */
  public static final String MESH_DNS_SERVICE = "nodemesh-dns";

  static final String ADDON_MODE_LABEL = "addonmanager.kubernetes.io/mode";
  private static final String COREFILE = "Corefile";
  private static final String CUSTOM_CONFIG_MAP = "coredns-custom";
  private static final Pattern IMPORTS_SERVER_FILES =
      Pattern.compile("(?m)^\\s*import\\s+\\S*\\*\\.server\\s*$");
  private static final JsonMapper JSON = JsonMapper.builder().build();

  /**
   * @param dnsNamespace where the cluster DNS runs, normally {@code kube-system}
   * @param meshNamespace the mesh namespace: the mesh DNS Service and the record of a prepare
   * @param domain the mesh domain, e.g. {@code mesh}
   * @param upstreamAddress where the zone goes; null means the ClusterIP of {@value
   *     #MESH_DNS_SERVICE} in the mesh namespace
   */
  public record Settings(
      String dnsNamespace, String meshNamespace, String domain, String upstreamAddress) {
    public Settings {
      if (dnsNamespace == null || dnsNamespace.isBlank()) {
        throw new IllegalArgumentException("DnsPatcher.Settings.dnsNamespace must not be empty");
      }
      if (meshNamespace == null || meshNamespace.isBlank()) {
        throw new IllegalArgumentException("DnsPatcher.Settings.meshNamespace must not be empty");
      }
      // Validates the domain (and the address, when given) with the same rules as the block.
      new MeshDnsSettings(domain, upstreamAddress == null ? "127.0.0.1" : upstreamAddress);
    }
  }

  /** What {@code prepare} or {@code cleanup} did. */
  public record Change(DnsTarget target, boolean changed, List<String> notes) {
    public Change {
      notes = List.copyOf(notes);
    }
  }

  private final KubernetesClient client;
  private final Settings settings;
  private final Clock clock;

  public DnsPatcher(KubernetesClient client, Settings settings) {
    this(client, settings, Clock.systemUTC());
  }

  DnsPatcher(KubernetesClient client, Settings settings, Clock clock) {
    this.client = client;
    this.settings = settings;
    this.clock = clock;
  }

  /**
   * The cluster DNS: Deployments labelled {@code k8s-app=kube-dns}, else named {@code coredns} or
   * {@code kube-dns}; CoreDNS or kube-dns by the image of their containers.
   *
   * @throws DnsPatchException when none is found
   */
  public DnsTarget locate() {
    String ns = settings.dnsNamespace();
    List<Deployment> candidates =
        new ArrayList<>(
            client
                .apps()
                .deployments()
                .inNamespace(ns)
                .withLabel("k8s-app", "kube-dns")
                .list()
                .getItems());
    if (candidates.isEmpty()) {
      for (String name : List.of("coredns", "kube-dns")) {
        Deployment d = client.apps().deployments().inNamespace(ns).withName(name).get();
        if (d != null) {
          candidates.add(d);
        }
      }
    }
    for (Deployment d : candidates) {
      Optional<String> coredns = image(d, "coredns");
      if (coredns.isPresent()) {
        return coreDnsTarget(d, CoreDnsVersion.fromImage(coredns.get()));
      }
    }
    for (Deployment d : candidates) {
      if (image(d, "kube-dns").isPresent()) {
        return new DnsTarget.KubeDns(ns, d.getMetadata().getName(), "kube-dns");
      }
    }
    throw new DnsPatchException(
        "no cluster DNS found in namespace %s: no CoreDNS or kube-dns Deployment labelled k8s-app=kube-dns or named coredns/kube-dns"
            .formatted(ns));
  }

  /** Sends the mesh zone to the mesh DNS server; a no-op when it already does. */
  public Change prepare() {
    DnsTarget target = locate();
    MeshDnsSettings mesh = new MeshDnsSettings(settings.domain(), upstream());
    requireReload(target);
    List<String> notes = new ArrayList<>();
    // What was written, or empty when the DNS configuration already said it.
    Optional<String> written =
        switch (target) {
          case DnsTarget.Corefile c -> prepareCorefile(c, mesh, notes);
          case DnsTarget.CustomServerFile c -> prepareCustom(c, mesh, notes);
          case DnsTarget.KubeDns k -> prepareKubeDns(k, mesh, notes);
        };
    writeRecord(target, mesh);
    if (written.isPresent()) {
      notes.add(RELOAD_NOTE);
    }
    return new Change(target, written.isPresent(), notes);
  }

  /** Takes the mesh zone back out, restoring what {@code prepare} changed; a no-op when clean. */
  public Change cleanup() {
    DnsTarget target = locate();
    List<String> notes = new ArrayList<>();
    boolean changed =
        switch (target) {
          case DnsTarget.Corefile c -> cleanupCorefile(c);
          case DnsTarget.CustomServerFile c -> cleanupCustom(c);
          case DnsTarget.KubeDns k -> cleanupKubeDns(k);
        };
    client.configMaps().inNamespace(settings.meshNamespace()).withName(RECORD_NAME).delete();
    notes.add(changed ? RELOAD_NOTE : "nothing to undo");
    return new Change(target, changed, notes);
  }

  /** The state of the mesh zone in the cluster DNS, for {@code check}. */
  public DnsStatus status() {
    DnsTarget target;
    try {
      target = locate();
    } catch (DnsPatchException e) {
      return new DnsStatus.NotFound(e.getMessage());
    }
    Optional<String> upstream =
        switch (target) {
          case DnsTarget.Corefile c -> {
            String corefile = data(configMap(c.namespace(), c.configMap()), c.key());
            yield corefile != null && CorefilePatch.isPatched(corefile)
                ? Optional.of(forwardTarget(corefile))
                : Optional.empty();
          }
          case DnsTarget.CustomServerFile c -> {
            String file =
                data(configMap(c.namespace(), c.configMap()), DnsTarget.CustomServerFile.KEY);
            yield Optional.ofNullable(file).map(DnsPatcher::forwardTarget);
          }
          case DnsTarget.KubeDns k -> {
            Map<String, List<String>> stubs =
                stubDomains(data(configMap(k.namespace(), k.configMap()), DnsTarget.KubeDns.KEY));
            List<String> ips = stubs.get(settings.domain());
            yield ips == null || ips.isEmpty() ? Optional.empty() : Optional.of(ips.get(0));
          }
        };
    if (upstream.isPresent()) {
      return new DnsStatus.Patched(target, upstream.get());
    }
    ConfigMap record = configMap(settings.meshNamespace(), RECORD_NAME);
    if (record == null) {
      return new DnsStatus.NotPatched(target);
    }
    String hint =
        target instanceof DnsTarget.Corefile
            ? "the ConfigMap %s/%s was rewritten (a managed DNS add-on reconciling it?); run prepare again, and if it keeps happening use the coredns-custom ConfigMap your provider supports"
                .formatted(target.namespace(), target.configMap())
            : "the ConfigMap %s/%s was rewritten; run prepare again"
                .formatted(target.namespace(), target.configMap());
    return new DnsStatus.Reverted(target, data(record, "preparedAt"), hint);
  }

  // ---- CoreDNS, Corefile ----

  private DnsTarget coreDnsTarget(Deployment d, Optional<CoreDnsVersion> version) {
    String ns = settings.dnsNamespace();
    String name = d.getMetadata().getName();
    List<String> mounted = configMapVolumes(d);
    String corefileMap = null;
    for (String cm : mounted) {
      ConfigMap m = configMap(ns, cm);
      if (m != null && m.getData() != null && m.getData().containsKey(COREFILE)) {
        corefileMap = cm;
        break;
      }
    }
    if (corefileMap == null) {
      throw new DnsPatchException(
          "CoreDNS Deployment %s/%s mounts no ConfigMap with a Corefile key (mounted: %s)"
              .formatted(ns, name, mounted));
    }
    String corefile = data(configMap(ns, corefileMap), COREFILE);
    if (mounted.contains(CUSTOM_CONFIG_MAP)
        && IMPORTS_SERVER_FILES.matcher(CorefilePatch.restore(corefile)).find()) {
      return new DnsTarget.CustomServerFile(ns, name, CUSTOM_CONFIG_MAP, version);
    }
    return new DnsTarget.Corefile(ns, name, corefileMap, COREFILE, version);
  }

  private Optional<String> prepareCorefile(
      DnsTarget.Corefile c, MeshDnsSettings mesh, List<String> notes) {
    ConfigMap cm = configMap(c.namespace(), c.configMap());
    String before = data(cm, c.key());
    CoreDnsVersion version = versionOrCurrent(c.version(), notes);
    String after;
    try {
      after = CorefilePatch.apply(before, mesh, version);
    } catch (IllegalArgumentException e) {
      throw new DnsPatchException(
          "ConfigMap %s/%s: %s".formatted(c.namespace(), c.configMap(), e.getMessage()), e);
    }
    refuseNewProblems(CorefilePatch.restore(before), after, version, c);
    warnIfReconciled(cm, notes);
    if (after.equals(before)) {
      return Optional.empty();
    }
    cm.getData().put(c.key(), after);
    client.configMaps().inNamespace(c.namespace()).resource(cm).update();
    return Optional.of(after);
  }

  private boolean cleanupCorefile(DnsTarget.Corefile c) {
    ConfigMap cm = configMap(c.namespace(), c.configMap());
    String before = data(cm, c.key());
    if (before == null || !CorefilePatch.isPatched(before)) {
      return false;
    }
    try {
      cm.getData().put(c.key(), CorefilePatch.restore(before));
    } catch (IllegalArgumentException e) {
      throw new DnsPatchException(
          "ConfigMap %s/%s: %s".formatted(c.namespace(), c.configMap(), e.getMessage()), e);
    }
    client.configMaps().inNamespace(c.namespace()).resource(cm).update();
    return true;
  }

  /**
   * A block that would break CoreDNS (say, the mesh zone already served by another block) is
   * refused.
   */
  private static void refuseNewProblems(
      String original, String patched, CoreDnsVersion version, DnsTarget t) {
    List<String> introduced = new ArrayList<>(CorefileSyntax.problems(patched, version));
    introduced.removeAll(CorefileSyntax.problems(original, version));
    if (!introduced.isEmpty()) {
      throw new DnsPatchException(
          "not patching %s: the Corefile would not load in CoreDNS %s: %s"
              .formatted(t.describe(), version, String.join("; ", introduced)));
    }
  }

  // ---- CoreDNS, coredns-custom ----

  private Optional<String> prepareCustom(
      DnsTarget.CustomServerFile c, MeshDnsSettings mesh, List<String> notes) {
    CoreDnsVersion version = versionOrCurrent(c.version(), notes);
    String file = CorefilePatch.serverFile(mesh, version);
    ConfigMap cm = configMap(c.namespace(), c.configMap());
    if (cm == null) {
      ConfigMap created =
          new ConfigMapBuilder()
              .withNewMetadata()
              .withName(c.configMap())
              .withNamespace(c.namespace())
              .addToAnnotations(CREATED_ANNOTATION, "true")
              .endMetadata()
              .addToData(DnsTarget.CustomServerFile.KEY, file)
              .build();
      client.configMaps().inNamespace(c.namespace()).resource(created).create();
      return Optional.of(file);
    }
    if (file.equals(data(cm, DnsTarget.CustomServerFile.KEY))) {
      return Optional.empty();
    }
    if (cm.getData() == null) {
      cm.setData(new LinkedHashMap<>());
    }
    cm.getData().put(DnsTarget.CustomServerFile.KEY, file);
    client.configMaps().inNamespace(c.namespace()).resource(cm).update();
    return Optional.of(file);
  }

  private boolean cleanupCustom(DnsTarget.CustomServerFile c) {
    ConfigMap cm = configMap(c.namespace(), c.configMap());
    if (cm == null || data(cm, DnsTarget.CustomServerFile.KEY) == null) {
      return false;
    }
    cm.getData().remove(DnsTarget.CustomServerFile.KEY);
    if (cm.getData().isEmpty() && "true".equals(annotation(cm, CREATED_ANNOTATION))) {
      client.configMaps().inNamespace(c.namespace()).resource(cm).delete();
    } else {
      client.configMaps().inNamespace(c.namespace()).resource(cm).update();
    }
    return true;
  }

  // ---- kube-dns ----

  private Optional<String> prepareKubeDns(
      DnsTarget.KubeDns k, MeshDnsSettings mesh, List<String> notes) {
    ConfigMap cm = configMap(k.namespace(), k.configMap());
    boolean create = cm == null;
    if (create) {
      cm =
          new ConfigMapBuilder()
              .withNewMetadata()
              .withName(k.configMap())
              .withNamespace(k.namespace())
              .addToAnnotations(CREATED_ANNOTATION, "true")
              .endMetadata()
              .build();
    }
    Map<String, String> annotations = cm.getMetadata().getAnnotations();
    if (annotations == null) {
      annotations = new LinkedHashMap<>();
      cm.getMetadata().setAnnotations(annotations);
    }
    if (cm.getData() == null) {
      cm.setData(new LinkedHashMap<>());
    }
    // The original is what was there before the first prepare; later runs start from it again.
    boolean recorded =
        annotations.containsKey(STUBS_BEFORE_ANNOTATION)
            || annotations.containsKey(STUBS_ABSENT_ANNOTATION);
    String original =
        recorded
            ? annotations.get(STUBS_BEFORE_ANNOTATION)
            : cm.getData().get(DnsTarget.KubeDns.KEY);
    Map<String, List<String>> stubs = stubDomains(original);
    List<String> existing = stubs.get(mesh.domain());
    if (existing != null) {
      throw new DnsPatchException(
          "kube-dns already sends '%s' to %s (ConfigMap %s/%s stubDomains); remove that entry or install with another mesh domain"
              .formatted(mesh.domain(), existing, k.namespace(), k.configMap()));
    }
    stubs.put(mesh.domain(), List.of(mesh.upstream()));
    String patched = JSON.writeValueAsString(stubs);
    if (recorded && patched.equals(cm.getData().get(DnsTarget.KubeDns.KEY))) {
      return Optional.empty();
    }
    if (!recorded) {
      if (original == null) {
        annotations.put(STUBS_ABSENT_ANNOTATION, "true");
      } else {
        annotations.put(STUBS_BEFORE_ANNOTATION, original);
      }
    }
    cm.getData().put(DnsTarget.KubeDns.KEY, patched);
    warnIfReconciled(cm, notes);
    if (create) {
      client.configMaps().inNamespace(k.namespace()).resource(cm).create();
    } else {
      client.configMaps().inNamespace(k.namespace()).resource(cm).update();
    }
    return Optional.of(patched);
  }

  private boolean cleanupKubeDns(DnsTarget.KubeDns k) {
    ConfigMap cm = configMap(k.namespace(), k.configMap());
    Map<String, String> annotations = cm == null ? null : cm.getMetadata().getAnnotations();
    if (annotations == null
        || !(annotations.containsKey(STUBS_BEFORE_ANNOTATION)
            || annotations.containsKey(STUBS_ABSENT_ANNOTATION))) {
      return false;
    }
    if ("true".equals(annotations.get(CREATED_ANNOTATION))) {
      client.configMaps().inNamespace(k.namespace()).resource(cm).delete();
      return true;
    }
    String before = annotations.remove(STUBS_BEFORE_ANNOTATION);
    annotations.remove(STUBS_ABSENT_ANNOTATION);
    if (before == null) {
      cm.getData().remove(DnsTarget.KubeDns.KEY);
    } else {
      cm.getData().put(DnsTarget.KubeDns.KEY, before);
    }
    client.configMaps().inNamespace(k.namespace()).resource(cm).update();
    return true;
  }

  private static Map<String, List<String>> stubDomains(String json) {
    if (json == null || json.isBlank()) {
      return new LinkedHashMap<>();
    }
    try {
      Map<String, List<String>> stubs =
          JSON.readValue(json, new TypeReference<LinkedHashMap<String, List<String>>>() {});
      return stubs == null ? new LinkedHashMap<>() : stubs;
    } catch (JacksonException e) {
      throw new DnsPatchException(
          "kube-dns stubDomains is not a JSON map of domain to servers: " + e.getOriginalMessage(),
          e);
    }
  }

  // ---- shared ----

  private String upstream() {
    if (settings.upstreamAddress() != null) {
      return settings.upstreamAddress();
    }
    Service s =
        client.services().inNamespace(settings.meshNamespace()).withName(MESH_DNS_SERVICE).get();
    String ip = s == null || s.getSpec() == null ? null : s.getSpec().getClusterIP();
    if (ip == null || ip.isBlank() || "None".equals(ip)) {
      throw new DnsPatchException(
          "Service %s/%s (the mesh DNS server) not found or has no ClusterIP; install the chart first, or pass --dns-address"
              .formatted(settings.meshNamespace(), MESH_DNS_SERVICE));
    }
    return ip;
  }

  private void writeRecord(DnsTarget target, MeshDnsSettings mesh) {
    ConfigMap existing = configMap(settings.meshNamespace(), RECORD_NAME);
    Map<String, String> data = new LinkedHashMap<>();
    data.put("target", target.describe());
    data.put("domain", mesh.domain());
    data.put("upstream", mesh.upstream());
    data.put(
        "preparedAt",
        existing != null && data(existing, "preparedAt") != null
            ? data(existing, "preparedAt")
            : clock.instant().toString());
    if (existing != null && data.equals(existing.getData())) {
      return;
    }
    ConfigMap record =
        new ConfigMapBuilder()
            .withNewMetadata()
            .withName(RECORD_NAME)
            .withNamespace(settings.meshNamespace())
            .addToLabels(ShadowLabels.MANAGED_BY_LABEL, ShadowLabels.MANAGED_BY)
            .endMetadata()
            .withData(data)
            .build();
    try {
      client
          .configMaps()
          .inNamespace(settings.meshNamespace())
          .resource(record)
          .createOr(op -> op.update());
    } catch (KubernetesClientException e) {
      throw new DnsPatchException(
          "cannot record the patch in ConfigMap %s/%s: %s"
              .formatted(settings.meshNamespace(), RECORD_NAME, e.getMessage()),
          e);
    }
  }

  private static final String RELOAD_NOTE =
      "the cluster DNS picks the change up by itself (CoreDNS: reload plugin, kube-dns: its config"
          + " sync) within about two minutes: the kubelet refreshes the mounted ConfigMap, then"
          + " reload checks every 30 s";

  /**
   * Refuses a CoreDNS that would not load the patch without a restart: its Corefile has no {@code
   * reload} plugin, or the block goes to an imported file and CoreDNS is older than {@link
   * #RELOADS_IMPORTS}. kube-dns needs nothing.
   */
  private void requireReload(DnsTarget target) {
    if (target instanceof DnsTarget.KubeDns) {
      return;
    }
    Deployment d =
        client
            .apps()
            .deployments()
            .inNamespace(target.namespace())
            .withName(target.deployment())
            .get();
    String corefile = null;
    for (String cm : d == null ? List.<String>of() : configMapVolumes(d)) {
      corefile = data(configMap(target.namespace(), cm), COREFILE);
      if (corefile != null) {
        break;
      }
    }
    if (corefile == null || !reloads(corefile)) {
      throw new DnsPatchException(
          ("not patching %s: its Corefile has no `reload` plugin, so CoreDNS would not load the"
                  + " mesh zone without a restart, and Nodemesh does not restart the cluster DNS."
                  + " Add a line `reload` to the Corefile's `.:53` block (kubeadm, kind, k3s, EKS"
                  + " and AKS Corefiles have it), wait for CoreDNS to pick it up (or restart it"
                  + " once), then run prepare again")
              .formatted(target.describe()));
    }
    if (target instanceof DnsTarget.CustomServerFile c
        && c.version().isPresent()
        && !c.version().get().isAtLeast(RELOADS_IMPORTS)) {
      throw new DnsPatchException(
          ("not patching %s: CoreDNS before %s does not re-read imported files on reload;"
                  + " upgrade CoreDNS")
              .formatted(target.describe(), RELOADS_IMPORTS));
    }
  }

  /** Whether a Corefile (our own block aside) loads the {@code reload} plugin. */
  static boolean reloads(String corefile) {
    return RELOAD_PLUGIN.matcher(CorefilePatch.restore(corefile)).find();
  }

  private static void warnIfReconciled(ConfigMap cm, List<String> notes) {
    Map<String, String> labels = cm.getMetadata().getLabels();
    String mode = labels == null ? null : labels.get(ADDON_MODE_LABEL);
    if ("Reconcile".equalsIgnoreCase(mode)) {
      notes.add(
          "ConfigMap %s is labelled %s=Reconcile: the add-on manager may revert this patch; `nodemesh check` reports it if it does"
              .formatted(cm.getMetadata().getName(), ADDON_MODE_LABEL));
    }
  }

  private static CoreDnsVersion versionOrCurrent(
      Optional<CoreDnsVersion> version, List<String> notes) {
    if (version.isPresent()) {
      return version.get();
    }
    notes.add(
        "CoreDNS version unknown (image tag is not MAJOR.MINOR.PATCH); writing a block for "
            + CorefilePatch.CURRENT);
    return CorefilePatch.CURRENT;
  }

  /**
   * The address after {@code forward ZONE} (or {@code proxy ZONE}) in our block: the part of a
   * Corefile after {@link CorefilePatch#BEGIN}, or a whole {@code coredns-custom} file.
   */
  private static String forwardTarget(String text) {
    int begin = text.indexOf(CorefilePatch.BEGIN);
    String block = begin < 0 ? text : text.substring(begin);
    for (String line : block.split("\n")) {
      String[] words = line.strip().split("\\s+");
      if (words.length >= 3 && (words[0].equals("forward") || words[0].equals("proxy"))) {
        return words[2];
      }
    }
    return "?";
  }

  private static List<String> configMapVolumes(Deployment d) {
    List<String> names = new ArrayList<>();
    List<Volume> volumes = d.getSpec().getTemplate().getSpec().getVolumes();
    if (volumes != null) {
      for (Volume v : volumes) {
        if (v.getConfigMap() != null && v.getConfigMap().getName() != null) {
          names.add(v.getConfigMap().getName());
        }
      }
    }
    return names;
  }

  private static Optional<String> image(Deployment d, String fragment) {
    for (Container c : d.getSpec().getTemplate().getSpec().getContainers()) {
      String image = c.getImage() == null ? "" : c.getImage();
      String repo = image.contains("@") ? image.substring(0, image.indexOf('@')) : image;
      int slash = repo.lastIndexOf('/');
      int colon = repo.lastIndexOf(':');
      if (colon > slash) {
        repo = repo.substring(0, colon);
      }
      if (repo.substring(repo.lastIndexOf('/') + 1).contains(fragment)) {
        return Optional.of(image);
      }
    }
    return Optional.empty();
  }

  private ConfigMap configMap(String ns, String name) {
    return client.configMaps().inNamespace(ns).withName(name).get();
  }

  private static String data(ConfigMap cm, String key) {
    return cm == null || cm.getData() == null ? null : cm.getData().get(key);
  }

  private static String annotation(ConfigMap cm, String key) {
    Map<String, String> a = cm.getMetadata().getAnnotations();
    return a == null ? null : a.get(key);
  }

  static String hash(String s) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d).substring(0, 12);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JDK", e);
    }
  }
}
