package io.nodemesh.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import com.marcnuri.helm.Helm;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The scrape configuration the Prometheus Operator generates for the chart's PodMonitor (proxies)
 * and ServiceMonitor (controller), with the Kubernetes service discovery replaced by static targets
 * that carry the same {@code __meta_kubernetes_*} labels. What matters to the dashboards is
 * reproduced as the operator writes it: {@code honor_labels} as the rendered monitor sets it, and
 * the relabelling that adds the {@code namespace}, {@code pod}, {@code container}, {@code service},
 * {@code endpoint} and {@code job} target labels from the scraped pod's metadata (see the
 * operator's {@code pkg/prometheus/promcfg.go}, {@code generatePodMonitorConfig}).
 */
final class OperatorScrape {
  /** The namespace the chart is installed in, and so the proxy and controller pods' namespace. */
  static final String NAMESPACE = "nodemesh";

  static final String PROXY_POD = "nodemesh-proxy-x7k2p";
  static final String CONTROLLER_POD = "nodemesh-controller-6f9c-abcde";

  private final JsonNode podMonitor;
  private final JsonNode serviceMonitor;

  private OperatorScrape(JsonNode podMonitor, JsonNode serviceMonitor) {
    this.podMonitor = podMonitor;
    this.serviceMonitor = serviceMonitor;
  }

  /** Renders the chart with its monitors on and keeps the PodMonitor and ServiceMonitor. */
  static OperatorScrape render(Path chart) throws IOException {
    String manifest =
        new Helm(chart)
            .template()
            .withName("nodemesh")
            .withNamespace(NAMESPACE)
            .withKubeVersion("1.31.0")
            .set("metrics.serviceMonitor.enabled", "true")
            .call();
    JsonNode pm = null;
    JsonNode sm = null;
    ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
    try (YAMLParser p = new YAMLFactory().createParser(manifest)) {
      for (JsonNode doc : yaml.readValues(p, JsonNode.class).readAll()) {
        switch (doc.path("kind").asText()) {
          case "PodMonitor" -> pm = doc;
          case "ServiceMonitor" -> sm = doc;
          default -> {}
        }
      }
    }
    if (pm == null || sm == null) {
      throw new IllegalStateException("the chart rendered no PodMonitor or ServiceMonitor");
    }
    return new OperatorScrape(pm, sm);
  }

  /** honorLabels of the PodMonitor's endpoint; the operator's default is false. */
  boolean proxyHonorLabels() {
    return podMonitor
        .path("spec")
        .path("podMetricsEndpoints")
        .path(0)
        .path("honorLabels")
        .asBoolean(false);
  }

  /** The {@code scrape_configs} entries for one proxy and one controller replica. */
  String scrapeConfigs(int proxyAdmin, int controllerApi) {
    JsonNode pmEndpoint = podMonitor.path("spec").path("podMetricsEndpoints").path(0);
    JsonNode smEndpoint = serviceMonitor.path("spec").path("endpoints").path(0);
    Map<String, String> proxyLabels = labels(podMonitor);
    Map<String, String> controllerLabels = labels(serviceMonitor);
    String pmName = podMonitor.path("metadata").path("name").asText();
    String smName = serviceMonitor.path("metadata").path("name").asText();
    StringBuilder y = new StringBuilder();
    // PodMonitor: role pod; the job is "<namespace>/<PodMonitor name>".
    job(
        y,
        "podMonitor/%s/%s/0".formatted(NAMESPACE, pmName),
        proxyHonorLabels(),
        pmEndpoint.path("path").asText("/metrics"),
        proxyAdmin);
    y.append(meta("__meta_kubernetes_namespace", NAMESPACE));
    y.append(meta("__meta_kubernetes_pod_name", PROXY_POD));
    y.append(meta("__meta_kubernetes_pod_container_name", "proxy"));
    y.append(meta("__meta_kubernetes_pod_container_port_name", pmEndpoint.path("port").asText()));
    selected(y, "pod", proxyLabels);
    y.append(keep("[__meta_kubernetes_pod_container_port_name]", pmEndpoint.path("port").asText()));
    y.append(relabel("[__meta_kubernetes_namespace]", "namespace", null));
    y.append(relabel("[__meta_kubernetes_pod_container_name]", "container", null));
    y.append(relabel("[__meta_kubernetes_pod_name]", "pod", null));
    y.append(relabel(null, "job", NAMESPACE + "/" + pmName));
    y.append(relabel(null, "endpoint", pmEndpoint.path("port").asText()));

    // ServiceMonitor: role endpoints; the job is the Service's name.
    job(
        y,
        "serviceMonitor/%s/%s/0".formatted(NAMESPACE, smName),
        smEndpoint.path("honorLabels").asBoolean(false),
        smEndpoint.path("path").asText("/metrics"),
        controllerApi);
    y.append(meta("__meta_kubernetes_namespace", NAMESPACE));
    y.append(meta("__meta_kubernetes_service_name", smName));
    y.append(meta("__meta_kubernetes_pod_name", CONTROLLER_POD));
    y.append(meta("__meta_kubernetes_pod_container_name", "controller"));
    y.append(meta("__meta_kubernetes_endpoint_port_name", smEndpoint.path("port").asText()));
    selected(y, "service", controllerLabels);
    y.append(keep("[__meta_kubernetes_endpoint_port_name]", smEndpoint.path("port").asText()));
    y.append(relabel("[__meta_kubernetes_namespace]", "namespace", null));
    y.append(relabel("[__meta_kubernetes_service_name]", "service", null));
    y.append(relabel("[__meta_kubernetes_pod_name]", "pod", null));
    y.append(relabel("[__meta_kubernetes_pod_container_name]", "container", null));
    y.append(relabel("[__meta_kubernetes_service_name]", "job", null));
    y.append(relabel(null, "endpoint", smEndpoint.path("port").asText()));
    return y.toString();
  }

  /** The start of one scrape job: its name, honor_labels, path, and its one static target. */
  private static void job(StringBuilder y, String name, Object honorLabels, String path, int port) {
    y.append("  - job_name: %s\n".formatted(name));
    y.append("    honor_labels: %s\n".formatted(honorLabels));
    y.append("    metrics_path: %s\n".formatted(path));
    y.append("    static_configs:\n");
    y.append("      - targets: [\"127.0.0.1:%d\"]\n".formatted(port));
    y.append("        labels:\n");
  }

  /**
   * The {@code role}'s (pod, service) labels as discovery sets them, then the relabelling that
   * keeps only a target carrying all of {@code labels} (the monitor's selector).
   */
  private static void selected(StringBuilder y, String role, Map<String, String> labels) {
    String label = "__meta_kubernetes_" + role + "_label_";
    String present = "__meta_kubernetes_" + role + "_labelpresent_";
    labels.forEach(
        (k, v) -> {
          y.append(meta(label + sanitize(k), v));
          y.append(meta(present + sanitize(k), "true"));
        });
    y.append("    relabel_configs:\n");
    y.append(relabel("[job]", "__tmp_prometheus_job_name", null));
    labels.forEach(
        (k, v) ->
            y.append(
                keep(
                    "[%s%s, %s%s]".formatted(label, sanitize(k), present, sanitize(k)),
                    "(" + v + ");true")));
  }

  private static Map<String, String> labels(JsonNode monitor) {
    Map<String, String> m = new java.util.TreeMap<>();
    monitor
        .path("spec")
        .path("selector")
        .path("matchLabels")
        .properties()
        .forEach(e -> m.put(e.getKey(), e.getValue().asText()));
    return m;
  }

  /** Kubernetes label names as service discovery turns them into Prometheus label names. */
  private static String sanitize(String k) {
    return k.replaceAll("[^a-zA-Z0-9_]", "_");
  }

  private static String meta(String name, String value) {
    return "          %s: \"%s\"\n".formatted(name, value);
  }

  private static String keep(String sources, String regex) {
    return "      - {action: keep, source_labels: %s, regex: \"%s\"}\n".formatted(sources, regex);
  }

  private static String relabel(String sources, String target, String replacement) {
    List<String> parts = new ArrayList<>();
    if (sources != null) {
      parts.add("source_labels: " + sources);
    }
    parts.add("target_label: " + target);
    if (replacement != null) {
      parts.add("replacement: \"" + replacement + "\"");
    }
    return "      - {" + String.join(", ", parts) + "}\n";
  }
}
