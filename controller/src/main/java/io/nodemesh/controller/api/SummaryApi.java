package io.nodemesh.controller.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.fabric8.kubernetes.api.model.Service;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRouting;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.MeshConfigJson;
import io.nodemesh.config.wire.ShadowLabels;
import io.nodemesh.controller.shadow.ShadowServices;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * {@code GET /api/v1/summary}: what {@code nodemesh check} compares the cluster with, and nothing
 * more: the config version this replica serves and the shadow Services that config calls for
 * (names, source Service, port mapping). Unlike {@code /api/v1/config} it holds no endpoint, pod
 * IP, route or access rule, so people granted {@code get summaries.nodemesh.io} (ClusterRole {@code
 * nodemesh-viewer}) may read it; the shadow Services themselves are readable by anyone who may list
 * Services in the mesh namespace.
 */
public final class SummaryApi {
  public static final String PATH = "/api/v1/summary";

  /** A shadow Service: its name, the Service it stands for ({@code ns/name}) and {@link #ports}. */
  public record Shadow(String name, String source, List<String> ports) {
    public Shadow {
      ports = List.copyOf(ports);
    }
  }

  /** The served config version and the shadow Services it calls for, sorted by name. */
  public record Summary(long version, List<Shadow> shadows) {
    public Summary {
      shadows = List.copyOf(shadows);
    }
  }

  private SummaryApi() {}

  /** The summary of {@code config}, as {@link ShadowServices#desired} would write its shadows. */
  public static Summary of(
      MeshConfig config, String meshNamespace, Map<String, String> proxySelector) {
    List<Shadow> shadows = new ArrayList<>();
    ShadowServices.desired(config, meshNamespace, proxySelector)
        .forEach(
            (name, s) -> {
              Map<String, String> l = s.getMetadata().getLabels();
              shadows.add(
                  new Shadow(
                      name,
                      l.get(ShadowLabels.SOURCE_NAMESPACE_LABEL)
                          + "/"
                          + l.get(ShadowLabels.SOURCE_NAME_LABEL),
                      List.copyOf(ports(s))));
            });
    return new Summary(config.version(), shadows);
  }

  /**
   * {@code port->targetPort/protocol}, sorted: what a Service does with traffic. The one form both
   * the summary and {@code nodemesh check} compare shadow Services in.
   */
  public static Set<String> ports(Service s) {
    Set<String> out = new TreeSet<>();
    if (s.getSpec() != null && s.getSpec().getPorts() != null) {
      for (var p : s.getSpec().getPorts()) {
        String target =
            p.getTargetPort() == null
                ? "?"
                : String.valueOf(
                    p.getTargetPort().getIntVal() != null
                        ? p.getTargetPort().getIntVal()
                        : p.getTargetPort().getStrVal());
        out.add(p.getPort() + "->" + target + "/" + p.getProtocol());
      }
    }
    return out;
  }

  /**
   * Registers the route; when {@code viewers} is not null only callers it admits for {@link
   * ViewerAuth#SUMMARIES} get an answer (the others a 401 or a 403 naming the rule).
   */
  public static void routing(
      HttpRouting.Builder rules,
      Supplier<MeshConfig> config,
      String meshNamespace,
      Map<String, String> proxySelector,
      ViewerAuth viewers,
      PrometheusMeterRegistry registry) {
    rules.get(
        PATH,
        (req, res) -> {
          if (ApiGuard.viewerAdmitted(
              viewers, ViewerAuth.SUMMARIES, req, res, registry, "read the summary", "summary")) {
            byte[] body;
            try {
              body =
                  MeshConfigJson.mapper()
                      .writeValueAsBytes(of(config.get(), meshNamespace, proxySelector));
            } catch (JsonProcessingException e) {
              throw new IllegalStateException("cannot serialise the summary", e);
            }
            res.status(Status.OK_200);
            res.header(HeaderNames.CONTENT_TYPE, "application/json");
            res.header(HeaderNames.CACHE_CONTROL, "no-store");
            res.send(body);
          }
        });
  }
}
