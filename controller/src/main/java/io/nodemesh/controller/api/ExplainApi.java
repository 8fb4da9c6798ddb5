package io.nodemesh.controller.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.fabric8.kubernetes.api.model.Pod;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.MeshConfigJson;
import io.nodemesh.controller.access.Explainer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Supplier;

/**
 * {@code GET
 * /api/v1/explain?from=NS/POD&to=NAME.NS.mesh[:PORT][&method=M][&path=P][&header=K=V]...}: the
 * access decision and the route of one request, as JSON ({@link
 * io.nodemesh.controller.access.Explanation}). 400 with {@code {"error": "..."}} for a malformed
 * question, 404 when the pod or service is unknown.
 */
public final class ExplainApi {
  private ExplainApi() {}

  /** Registers the route on {@code rules}, open to every caller. */
  public static void routing(
      HttpRouting.Builder rules,
      Supplier<MeshConfig> config,
      BiFunction<String, String, Pod> pods) {
    routing(rules, config, pods, null, null);
  }

  /**
   * As above; when {@code viewers} is not null, only callers it admits (proxies, and users granted
   * {@code get explanations.nodemesh.io}) get an answer, and refusals count in {@code registry}.
   */
  public static void routing(
      HttpRouting.Builder rules,
      Supplier<MeshConfig> config,
      BiFunction<String, String, Pod> pods,
      ViewerAuth viewers,
      PrometheusMeterRegistry registry) {
    routing(rules, config, pods, viewers, registry, new PolicyCache());
  }

  static void routing(
      HttpRouting.Builder rules,
      Supplier<MeshConfig> config,
      BiFunction<String, String, Pod> pods,
      ViewerAuth viewers,
      PrometheusMeterRegistry registry,
      PolicyCache policies) {
    if (registry != null) {
      FunctionCounter.builder(
              "nodemesh.controller.explain.policy.compilations",
              policies,
              PolicyCache::compilations)
          .description("access policies compiled for explain: one per config version asked about")
          .register(registry);
    }
    rules.get(
        "/api/v1/explain",
        (req, res) -> {
          if (ApiGuard.viewerAdmitted(
              viewers,
              ViewerAuth.EXPLANATIONS,
              req,
              res,
              registry,
              "ask for explanations",
              "explain")) {
            explain(req, res, config.get(), policies, pods);
          }
        });
  }

  private static void explain(
      ServerRequest req,
      ServerResponse res,
      MeshConfig config,
      PolicyCache policies,
      BiFunction<String, String, Pod> pods) {
    Map<String, List<String>> headers = new LinkedHashMap<>();
    List<String> raw = req.query().contains("header") ? req.query().all("header") : List.of();
    for (String h : raw) {
      int eq = h.indexOf('=');
      if (eq <= 0) {
        json(res, Status.BAD_REQUEST_400, error("header '" + h + "' is not NAME=VALUE"));
        return;
      }
      headers
          .computeIfAbsent(h.substring(0, eq).trim(), k -> new ArrayList<>())
          .add(h.substring(eq + 1));
    }
    try {
      json(
          res,
          Status.OK_200,
          MeshConfigJson.mapper()
              .writeValueAsString(
                  Explainer.explain(
                      config,
                      policies.policyFor(config),
                      pods,
                      req.query().first("from").orElse(null),
                      req.query().first("to").orElse(null),
                      req.query().first("method").orElse(null),
                      req.query().first("path").orElse(null),
                      headers)));
    } catch (Explainer.NotFound e) {
      json(res, Status.NOT_FOUND_404, error(e.getMessage()));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise an explanation", e);
    }
  }

  private static String error(String message) {
    try {
      return MeshConfigJson.mapper().writeValueAsString(Map.of("error", message));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void json(ServerResponse res, Status status, String body) {
    res.status(status);
    res.header(HeaderNames.CONTENT_TYPE, "application/json");
    res.send(body.getBytes(StandardCharsets.UTF_8));
  }
}
