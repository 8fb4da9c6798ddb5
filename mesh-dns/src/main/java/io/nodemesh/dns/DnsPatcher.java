package io.nodemesh.dns;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Service;
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
 *
 * <p>This class finds the target and keeps the record; what is written where is each target's
 * {@link DnsStrategy} ({@link CorefileStrategy}, {@link CustomServerFileStrategy}, {@link
 * KubeDnsStrategy}).
 */
public final class DnsPatcher {
  private static final System.Logger LOG = System.getLogger(DnsPatcher.class.getName());

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
  private static final String COREFILE = DnsConfigMaps.COREFILE;
  private static final String CUSTOM_CONFIG_MAP = "coredns-custom";
  private static final Pattern IMPORTS_SERVER_FILES =
      Pattern.compile("(?m)^\\s*import\\s+\\S*\\*\\.server\\s*$");

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
  private final DnsConfigMaps maps;
  private final Settings settings;
  private final Clock clock;

  public DnsPatcher(KubernetesClient client, Settings settings) {
    this(client, settings, Clock.systemUTC());
  }

  DnsPatcher(KubernetesClient client, Settings settings, Clock clock) {
    this.client = client;
    this.maps = new DnsConfigMaps(client);
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
    DnsStrategy strategy = DnsStrategy.of(target, maps);
    strategy.requireReload();
    List<String> notes = new ArrayList<>();
    // What was written, or empty when the DNS configuration already said it.
    Optional<String> written = strategy.prepare(mesh, notes);
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
    boolean changed = DnsStrategy.of(target, maps).cleanup();
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
    DnsStrategy strategy = DnsStrategy.of(target, maps);
    Optional<String> upstream = strategy.upstream(settings.domain());
    if (upstream.isPresent()) {
      return new DnsStatus.Patched(target, upstream.get());
    }
    ConfigMap record = configMap(settings.meshNamespace(), RECORD_NAME);
    if (record == null) {
      return new DnsStatus.NotPatched(target);
    }
    String hint = strategy.revertedHint();
    return new DnsStatus.Reverted(target, data(record, "preparedAt"), hint);
  }

  private DnsTarget coreDnsTarget(Deployment d, Optional<CoreDnsVersion> version) {
    String ns = settings.dnsNamespace();
    String name = d.getMetadata().getName();
    List<String> mounted = DnsConfigMaps.configMapVolumes(d);
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

  /** Whether a Corefile (our own block aside) loads the {@code reload} plugin. */
  static boolean reloads(String corefile) {
    return DnsConfigMaps.reloads(corefile);
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
    return maps.get(ns, name);
  }

  private static String data(ConfigMap cm, String key) {
    return DnsConfigMaps.data(cm, key);
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
