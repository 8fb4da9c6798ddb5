package io.nodemesh.cli.check;

import static io.nodemesh.cli.check.CheckText.list;
import static io.nodemesh.cli.check.CheckText.oneLine;

import io.fabric8.kubernetes.api.model.Service;
import io.nodemesh.config.MeshConfigJson;
import io.nodemesh.config.wire.ShadowLabels;
import io.nodemesh.controller.api.SummaryApi;
import io.nodemesh.controller.api.ViewerAuth;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The shadow Services are exactly what the controller's own {@link SummaryApi#of} says its config
 * calls for: same names, same port to proxy-port mapping, none left over.
 */
final class ShadowsCheck implements Check {
  @Override
  public String name() {
    return "shadows";
  }

  @Override
  public CheckItem run(CheckContext c) {
    ControllerFetch f = ControllerFetch.get(c, "shadows", SummaryApi.PATH, ViewerAuth.SUMMARIES);
    if (f.failure() != null) {
      return f.failure();
    }
    SummaryApi.Summary summary;
    try {
      summary = MeshConfigJson.mapper().readValue(f.body(), SummaryApi.Summary.class);
    } catch (IOException e) {
      return CheckItem.fail("shadows", "the controller's summary is not JSON: " + oneLine(e));
    }
    Map<String, SummaryApi.Shadow> desired = new TreeMap<>();
    summary.shadows().forEach(s -> desired.put(s.name(), s));
    Map<String, Service> actual = new TreeMap<>();
    for (Service s :
        c.client()
            .services()
            .inNamespace(c.settings().meshNamespace())
            .withLabel(ShadowLabels.MANAGED_BY_LABEL, ShadowLabels.MANAGED_BY)
            .list()
            .getItems()) {
      actual.put(s.getMetadata().getName(), s);
    }
    List<String> missing = new ArrayList<>();
    List<String> stale = new ArrayList<>();
    for (Map.Entry<String, SummaryApi.Shadow> e : desired.entrySet()) {
      Service a = actual.get(e.getKey());
      Set<String> want = new TreeSet<>(e.getValue().ports());
      if (a == null) {
        missing.add(e.getValue().source() + " (" + e.getKey() + ")");
      } else if (!SummaryApi.ports(a).equals(want)) {
        stale.add(
            "%s has ports %s, config says %s".formatted(e.getKey(), SummaryApi.ports(a), want));
      }
    }
    List<String> orphans = actual.keySet().stream().filter(a -> !desired.containsKey(a)).toList();
    if (!missing.isEmpty() || !stale.isEmpty() || !orphans.isEmpty()) {
      List<String> parts = new ArrayList<>();
      if (!missing.isEmpty()) {
        parts.add("no shadow Service for " + list(missing));
      }
      if (!stale.isEmpty()) {
        parts.add(list(stale));
      }
      if (!orphans.isEmpty()) {
        parts.add("shadow Services the config no longer has: " + list(orphans));
      }
      return CheckItem.fail(
          "shadows", String.join("; ", parts) + "; the leader writes them, see its log");
    }
    return CheckItem.pass(
        "shadows",
        "%d shadow Services match config version %d".formatted(desired.size(), summary.version()));
  }
}
