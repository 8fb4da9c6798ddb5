package io.nodemesh.dns;

import static io.nodemesh.dns.DnsConfigMaps.data;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * kube-dns: a {@code stubDomains} entry in its ConfigMap. The value before the first prepare (or
 * its absence) is kept in an annotation, so every later prepare starts from it and cleanup restores
 * it exactly. kube-dns re-reads its ConfigMap by itself, so nothing needs a reload check.
 */
final class KubeDnsStrategy implements DnsStrategy {
  private static final String KEY = DnsTarget.KubeDns.KEY;
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final DnsTarget.KubeDns target;
  private final DnsConfigMaps maps;

  KubeDnsStrategy(DnsTarget.KubeDns target, DnsConfigMaps maps) {
    this.target = target;
    this.maps = maps;
  }

  @Override
  public void requireReload() {
    // kube-dns syncs its ConfigMap on its own.
  }

  @Override
  public Optional<String> prepare(MeshDnsSettings mesh, List<String> notes) {
    ConfigMap cm = maps.get(target.namespace(), target.configMap());
    boolean create = cm == null;
    if (create) {
      cm =
          new ConfigMapBuilder()
              .withNewMetadata()
              .withName(target.configMap())
              .withNamespace(target.namespace())
              .addToAnnotations(DnsPatcher.CREATED_ANNOTATION, "true")
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
        annotations.containsKey(DnsPatcher.STUBS_BEFORE_ANNOTATION)
            || annotations.containsKey(DnsPatcher.STUBS_ABSENT_ANNOTATION);
    String original =
        recorded ? annotations.get(DnsPatcher.STUBS_BEFORE_ANNOTATION) : cm.getData().get(KEY);
    Map<String, List<String>> stubs = stubDomains(original);
    List<String> existing = stubs.get(mesh.domain());
    if (existing != null) {
      throw new DnsPatchException(
          "kube-dns already sends '%s' to %s (ConfigMap %s/%s stubDomains); remove that entry or install with another mesh domain"
              .formatted(mesh.domain(), existing, target.namespace(), target.configMap()));
    }
    stubs.put(mesh.domain(), List.of(mesh.upstream()));
    String patched = JSON.writeValueAsString(stubs);
    if (recorded && patched.equals(cm.getData().get(KEY))) {
      return Optional.empty();
    }
    if (!recorded) {
      if (original == null) {
        annotations.put(DnsPatcher.STUBS_ABSENT_ANNOTATION, "true");
      } else {
        annotations.put(DnsPatcher.STUBS_BEFORE_ANNOTATION, original);
      }
    }
    cm.getData().put(KEY, patched);
    DnsConfigMaps.warnIfReconciled(cm, notes);
    if (create) {
      maps.create(cm);
    } else {
      maps.update(target.namespace(), cm);
    }
    return Optional.of(patched);
  }

  @Override
  public boolean cleanup() {
    ConfigMap cm = maps.get(target.namespace(), target.configMap());
    Map<String, String> annotations = cm == null ? null : cm.getMetadata().getAnnotations();
    if (annotations == null
        || !(annotations.containsKey(DnsPatcher.STUBS_BEFORE_ANNOTATION)
            || annotations.containsKey(DnsPatcher.STUBS_ABSENT_ANNOTATION))) {
      return false;
    }
    if ("true".equals(annotations.get(DnsPatcher.CREATED_ANNOTATION))) {
      maps.delete(target.namespace(), cm);
      return true;
    }
    String before = annotations.remove(DnsPatcher.STUBS_BEFORE_ANNOTATION);
    annotations.remove(DnsPatcher.STUBS_ABSENT_ANNOTATION);
    if (before == null) {
      cm.getData().remove(KEY);
    } else {
      cm.getData().put(KEY, before);
    }
    maps.update(target.namespace(), cm);
    return true;
  }

  @Override
  public Optional<String> upstream(String domain) {
    Map<String, List<String>> stubs =
        stubDomains(data(maps.get(target.namespace(), target.configMap()), KEY));
    List<String> ips = stubs.get(domain);
    return ips == null || ips.isEmpty() ? Optional.empty() : Optional.of(ips.get(0));
  }

  @Override
  public String revertedHint() {
    return "the ConfigMap %s/%s was rewritten; run prepare again"
        .formatted(target.namespace(), target.configMap());
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
}
