package io.nodemesh.cli.check;

import static io.nodemesh.cli.check.CheckText.oneLine;

import io.nodemesh.controller.api.ViewerAuth;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A 200 body of the controller for one check, or the FAIL line that says why there is none: a
 * refusal names the permission that is missing ({@code get RESOURCE.nodemesh.io}, or the API
 * server's own rule).
 *
 * @param body the answer's body, or null when {@code failure} is set
 * @param failure the item that reports why there is no body, or null
 */
record ControllerFetch(String body, CheckItem failure) {
  static final JsonMapper JSON = JsonMapper.builder().build();

  /** GETs {@code path} from the controller for {@code item}. */
  static ControllerFetch get(CheckContext c, String item, String path, String resource) {
    ControllerAccess.Answer a;
    try {
      a = c.access().get(path);
    } catch (RuntimeException e) {
      return new ControllerFetch(
          null, CheckItem.fail(item, "cannot reach the controller: " + oneLine(e)));
    }
    if (a.ok()) {
      return new ControllerFetch(a.body(), null);
    }
    ClusterCheck.Settings settings = c.settings();
    String rule = "get " + resource + "." + ViewerAuth.GROUP;
    String said = errorOf(a.body());
    String detail;
    if (a.status() == 404 && a.body().isEmpty()) {
      detail =
          "controller Service %s/%s not found"
              .formatted(settings.meshNamespace(), settings.controllerName());
    } else if (a.status() == 403 && isApiServerStatus(a.body())) {
      detail =
          "the API server refused its service proxy (%s); you need get services/proxy in %s"
              .formatted(said, settings.meshNamespace());
    } else if (a.status() == 403) {
      detail =
          ("missing permission %s (bind ClusterRole nodemesh-viewer, docs/rbac.md);"
                  + " the controller said: %s")
              .formatted(rule, said);
    } else if (a.status() == 401) {
      detail =
          ("the controller wants a bearer token it can review for %s (%s); check sends your"
                  + " kubeconfig's token, a client-certificate kubeconfig has none (docs/cli.md)")
              .formatted(rule, said);
    } else {
      detail = "the controller at %s answered %d: %s".formatted(a.where(), a.status(), said);
    }
    return new ControllerFetch(null, CheckItem.fail(item, detail));
  }

  /** The {@code error} of the controller's JSON, or the {@code message} of a Kubernetes Status. */
  private static String errorOf(String body) {
    try {
      JsonNode n = JSON.readTree(body);
      for (String field : List.of("error", "message")) {
        String v = n.path(field).asText("");
        if (!v.isBlank()) {
          return v;
        }
      }
    } catch (RuntimeException e) {
      // not JSON: the first line as it is
    }
    String b = body == null ? "" : body.strip();
    return b.isEmpty() ? "(no body)" : b.lines().findFirst().orElse(b);
  }

  private static boolean isApiServerStatus(String body) {
    try {
      return "Status".equals(JSON.readTree(body).path("kind").asText(""));
    } catch (RuntimeException e) {
      return false;
    }
  }
}
