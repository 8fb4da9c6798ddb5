package io.nodemesh.dns;

import static io.nodemesh.dns.DnsConfigMaps.annotation;
import static io.nodemesh.dns.DnsConfigMaps.data;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;

/**
 * CoreDNS that imports {@code *.server} files from a mounted {@code coredns-custom} ConfigMap (AKS,
 * k3s): the block goes there under its own key and the managed Corefile is left alone. The
 * ConfigMap is created when missing, and deleted again by cleanup when it created it.
 */
final class CustomServerFileStrategy implements DnsStrategy {
  private static final String KEY = DnsTarget.CustomServerFile.KEY;

  private final DnsTarget.CustomServerFile target;
  private final DnsConfigMaps maps;

  CustomServerFileStrategy(DnsTarget.CustomServerFile target, DnsConfigMaps maps) {
    this.target = target;
    this.maps = maps;
  }

  @Override
  public void requireReload() {
    maps.requireReloadPlugin(target);
    if (target.version().isPresent()
        && !target.version().get().isAtLeast(DnsConfigMaps.RELOADS_IMPORTS)) {
      throw new DnsPatchException(
          ("not patching %s: CoreDNS before %s does not re-read imported files on reload;"
                  + " upgrade CoreDNS")
              .formatted(target.describe(), DnsConfigMaps.RELOADS_IMPORTS));
    }
  }

  @Override
  public Optional<String> prepare(MeshDnsSettings mesh, List<String> notes) {
    CoreDnsVersion version = DnsConfigMaps.versionOrCurrent(target.version(), notes);
    String file = CorefilePatch.serverFile(mesh, version);
    ConfigMap cm = maps.get(target.namespace(), target.configMap());
    if (cm == null) {
      maps.create(
          new ConfigMapBuilder()
              .withNewMetadata()
              .withName(target.configMap())
              .withNamespace(target.namespace())
              .addToAnnotations(DnsPatcher.CREATED_ANNOTATION, "true")
              .endMetadata()
              .addToData(KEY, file)
              .build());
      return Optional.of(file);
    }
    if (file.equals(data(cm, KEY))) {
      return Optional.empty();
    }
    if (cm.getData() == null) {
      cm.setData(new LinkedHashMap<>());
    }
    cm.getData().put(KEY, file);
    maps.update(target.namespace(), cm);
    return Optional.of(file);
  }

  @Override
  public boolean cleanup() {
    ConfigMap cm = maps.get(target.namespace(), target.configMap());
    if (cm == null || data(cm, KEY) == null) {
      return false;
    }
    cm.getData().remove(KEY);
    if (cm.getData().isEmpty() && "true".equals(annotation(cm, DnsPatcher.CREATED_ANNOTATION))) {
      maps.delete(target.namespace(), cm);
    } else {
      maps.update(target.namespace(), cm);
    }
    return true;
  }

  @Override
  public Optional<String> upstream(String domain) {
    String file = data(maps.get(target.namespace(), target.configMap()), KEY);
    return Optional.ofNullable(file).map(DnsConfigMaps::forwardTarget);
  }

  @Override
  public String revertedHint() {
    return "the ConfigMap %s/%s was rewritten; run prepare again"
        .formatted(target.namespace(), target.configMap());
  }
}
