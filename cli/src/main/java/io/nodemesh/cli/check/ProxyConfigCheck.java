package io.nodemesh.cli.check;

import static io.nodemesh.cli.check.CheckText.list;
import static io.nodemesh.cli.check.CheckText.oneLine;

import io.fabric8.kubernetes.api.model.Pod;
import io.nodemesh.config.MeshConfigJson;
import io.nodemesh.controller.api.SummaryApi;
import io.nodemesh.controller.api.ViewerAuth;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Every ready proxy reports, on its /ready, the config version the controller serves. */
final class ProxyConfigCheck implements Check {
  private static final Pattern READY_VERSION = Pattern.compile("config version (-?\\d+)");

  @Override
  public String name() {
    return "proxy-config";
  }

  @Override
  public CheckItem run(CheckContext c) {
    List<Pod> proxies = c.readyProxies();
    ControllerFetch f =
        ControllerFetch.get(c, "proxy-config", SummaryApi.PATH, ViewerAuth.SUMMARIES);
    if (f.failure() != null) {
      return f.failure();
    }
    long latest;
    try {
      latest = MeshConfigJson.mapper().readValue(f.body(), SummaryApi.Summary.class).version();
    } catch (IOException e) {
      return CheckItem.fail("proxy-config", "the controller's summary is not JSON: " + oneLine(e));
    }
    Map<String, String> behind = new TreeMap<>();
    for (Pod p : proxies) {
      String name = p.getMetadata().getName();
      try {
        String body = c.access().proxyReady(p);
        Matcher m = READY_VERSION.matcher(body == null ? "" : body);
        long v = m.find() ? Long.parseLong(m.group(1)) : -1;
        if (v != latest) {
          behind.put(name, v < 0 ? "no config" : "version " + v);
        }
      } catch (RuntimeException e) {
        behind.put(name, "unreachable (" + oneLine(e) + ")");
      }
    }
    if (!behind.isEmpty()) {
      return CheckItem.fail(
          "proxy-config",
          "controller serves version %d, but %s"
              .formatted(
                  latest,
                  list(
                      behind.entrySet().stream()
                          .map(e -> e.getKey() + " has " + e.getValue())
                          .toList())));
    }
    return CheckItem.pass(
        "proxy-config", "all %d proxies run config version %d".formatted(proxies.size(), latest));
  }
}
