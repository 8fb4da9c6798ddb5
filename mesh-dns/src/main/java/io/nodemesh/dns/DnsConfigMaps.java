package io.nodemesh.dns;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The ConfigMap reads and writes every {@link DnsStrategy} shares, and the checks of a CoreDNS
 * Corefile that two of them need.
 */
final class DnsConfigMaps {
  static final String COREFILE = "Corefile";

  /**
   * CoreDNS re-reads imported {@code *.server} files on {@code reload} since 1.6.2
   * (coredns/coredns#3068); older ones would need a restart to see the block.
   */
  static final CoreDnsVersion RELOADS_IMPORTS = new CoreDnsVersion(1, 6, 2);

  private static final Pattern RELOAD_PLUGIN = Pattern.compile("(?m)^\\s*reload(\\s|\\{|$)");

  private final KubernetesClient client;

  DnsConfigMaps(KubernetesClient client) {
    this.client = client;
  }

  KubernetesClient client() {
    return client;
  }

  ConfigMap get(String ns, String name) {
    return client.configMaps().inNamespace(ns).withName(name).get();
  }

  void create(ConfigMap cm) {
    client.configMaps().inNamespace(cm.getMetadata().getNamespace()).resource(cm).create();
  }

  void update(String ns, ConfigMap cm) {
    client.configMaps().inNamespace(ns).resource(cm).update();
  }

  void delete(String ns, ConfigMap cm) {
    client.configMaps().inNamespace(ns).resource(cm).delete();
  }

  static String data(ConfigMap cm, String key) {
    return cm == null || cm.getData() == null ? null : cm.getData().get(key);
  }

  static String annotation(ConfigMap cm, String key) {
    Map<String, String> a = cm.getMetadata().getAnnotations();
    return a == null ? null : a.get(key);
  }

  /**
   * Refuses a CoreDNS that would not load the patch without a restart: its Corefile has no {@code
   * reload} plugin.
   */
  void requireReloadPlugin(DnsTarget target) {
    Deployment d =
        client
            .apps()
            .deployments()
            .inNamespace(target.namespace())
            .withName(target.deployment())
            .get();
    String corefile = null;
    for (String cm : d == null ? List.<String>of() : configMapVolumes(d)) {
      corefile = data(get(target.namespace(), cm), COREFILE);
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
  }

  /** Whether a Corefile (our own block aside) loads the {@code reload} plugin. */
  static boolean reloads(String corefile) {
    return RELOAD_PLUGIN.matcher(CorefilePatch.restore(corefile)).find();
  }

  static List<String> configMapVolumes(Deployment d) {
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

  static void warnIfReconciled(ConfigMap cm, List<String> notes) {
    Map<String, String> labels = cm.getMetadata().getLabels();
    String mode = labels == null ? null : labels.get(DnsPatcher.ADDON_MODE_LABEL);
    if ("Reconcile".equalsIgnoreCase(mode)) {
      notes.add(
          "ConfigMap %s is labelled %s=Reconcile: the add-on manager may revert this patch; `nodemesh check` reports it if it does"
              .formatted(cm.getMetadata().getName(), DnsPatcher.ADDON_MODE_LABEL));
    }
  }

  static CoreDnsVersion versionOrCurrent(Optional<CoreDnsVersion> version, List<String> notes) {
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
  static String forwardTarget(String text) {
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
}
