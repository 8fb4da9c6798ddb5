package io.nodemesh.controller.compile;

import io.nodemesh.config.MeshConfig;
import io.nodemesh.controller.common.Problem;
import java.util.List;
import java.util.Objects;

/**
 * What a compilation produced.
 *
 * @param config the proxy configuration (same version as the previous one if nothing changed)
 * @param problems everything skipped or suspicious, each naming the object and field
 * @param allocation the port allocation the config uses (input for the next compilation)
 */
public record CompileResult(MeshConfig config, List<Problem> problems, PortAllocation allocation) {
  public CompileResult {
    Objects.requireNonNull(config, "CompileResult.config");
    Objects.requireNonNull(allocation, "CompileResult.allocation");
    problems = problems == null ? List.of() : List.copyOf(problems);
  }
}
