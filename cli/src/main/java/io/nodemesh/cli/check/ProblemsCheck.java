package io.nodemesh.cli.check;

import static io.nodemesh.cli.check.CheckText.list;

import io.nodemesh.controller.api.ViewerAuth;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/** What the controller refused to compile (SMI objects and annotations), from /api/v1/problems. */
final class ProblemsCheck implements Check {
  @Override
  public String name() {
    return "problems";
  }

  @Override
  public CheckItem run(CheckContext c) {
    ControllerFetch f = ControllerFetch.get(c, "problems", "/api/v1/problems", ViewerAuth.PROBLEMS);
    if (f.failure() != null) {
      return f.failure();
    }
    JsonNode array = ControllerFetch.JSON.readTree(f.body());
    List<String> found = new ArrayList<>();
    for (JsonNode p : array) {
      String ns = p.path("namespace").asText("");
      found.add(
          "%s %s%s: %s"
              .formatted(
                  p.path("kind").asText(),
                  ns.isEmpty() ? "" : ns + "/",
                  p.path("name").asText(),
                  p.path("message").asText()));
    }
    if (!found.isEmpty()) {
      return CheckItem.fail(
          "problems", "%d objects with errors: %s".formatted(found.size(), list(found)));
    }
    return CheckItem.pass("problems", "no SMI object or Service with errors");
  }
}
