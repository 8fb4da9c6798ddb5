package io.nodemesh.dns;

import static io.nodemesh.dns.DnsConfigMaps.data;

import io.fabric8.kubernetes.api.model.ConfigMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** CoreDNS: a server block between markers in the Corefile itself, restored byte for byte. */
final class CorefileStrategy implements DnsStrategy {
  private final DnsTarget.Corefile target;
  private final DnsConfigMaps maps;

  CorefileStrategy(DnsTarget.Corefile target, DnsConfigMaps maps) {
    this.target = target;
    this.maps = maps;
  }

  @Override
  public void requireReload() {
    maps.requireReloadPlugin(target);
  }

  @Override
  public Optional<String> prepare(MeshDnsSettings mesh, List<String> notes) {
    ConfigMap cm = maps.get(target.namespace(), target.configMap());
    String before = data(cm, target.key());
    CoreDnsVersion version = DnsConfigMaps.versionOrCurrent(target.version(), notes);
    String after;
    try {
      after = CorefilePatch.apply(before, mesh, version);
    } catch (IllegalArgumentException e) {
      throw new DnsPatchException(
          "ConfigMap %s/%s: %s".formatted(target.namespace(), target.configMap(), e.getMessage()),
          e);
    }
    refuseNewProblems(CorefilePatch.restore(before), after, version);
    DnsConfigMaps.warnIfReconciled(cm, notes);
    if (after.equals(before)) {
      return Optional.empty();
    }
    cm.getData().put(target.key(), after);
    maps.update(target.namespace(), cm);
    return Optional.of(after);
  }

  @Override
  public boolean cleanup() {
    ConfigMap cm = maps.get(target.namespace(), target.configMap());
    String before = data(cm, target.key());
    if (before == null || !CorefilePatch.isPatched(before)) {
      return false;
    }
    try {
      cm.getData().put(target.key(), CorefilePatch.restore(before));
    } catch (IllegalArgumentException e) {
      throw new DnsPatchException(
          "ConfigMap %s/%s: %s".formatted(target.namespace(), target.configMap(), e.getMessage()),
          e);
    }
    maps.update(target.namespace(), cm);
    return true;
  }

  @Override
  public Optional<String> upstream(String domain) {
    String corefile = data(maps.get(target.namespace(), target.configMap()), target.key());
    return corefile != null && CorefilePatch.isPatched(corefile)
        ? Optional.of(DnsConfigMaps.forwardTarget(corefile))
        : Optional.empty();
  }

  @Override
  public String revertedHint() {
    return "the ConfigMap %s/%s was rewritten (a managed DNS add-on reconciling it?); run prepare again, and if it keeps happening use the coredns-custom ConfigMap your provider supports"
        .formatted(target.namespace(), target.configMap());
  }

  /**
   * A block that would break CoreDNS (say, the mesh zone already served by another block) is
   * refused.
   */
  private void refuseNewProblems(String original, String patched, CoreDnsVersion version) {
    List<String> introduced = new ArrayList<>(CorefileSyntax.problems(patched, version));
    introduced.removeAll(CorefileSyntax.problems(original, version));
    if (!introduced.isEmpty()) {
      throw new DnsPatchException(
          "not patching %s: the Corefile would not load in CoreDNS %s: %s"
              .formatted(target.describe(), version, String.join("; ", introduced)));
    }
  }
}
