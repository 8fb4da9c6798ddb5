package io.nodemesh.controller.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.nodemesh.controller.common.Problem;
import io.nodemesh.controller.source.FileSource;
import io.nodemesh.controller.source.SourceSnapshot;
import io.nodemesh.smi.SmiKinds;
import io.nodemesh.smi.SmiProblem;
import io.nodemesh.smi.SmiValidator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;

/**
 * Arbitrary text as a local-mode file. Invariants: {@link SmiKinds#unmarshalAll} either returns
 * objects or throws an {@link IllegalArgumentException} whose message names the document; {@link
 * SmiValidator} never throws and every problem names its object and field; {@link FileSource} never
 * throws, and a file it cannot use is one {@link Problem} with a reason, never a crash.
 *
 * <p>A plain {@code mvn verify} runs the seed corpus in {@code LocalModeYamlFuzzTestInputs}; {@code
 * JAZZER_FUZZ=1} fuzzes for {@code maxDuration} (docs/reliability.md).
 */
class LocalModeYamlFuzzTest {
  private static final KubernetesSerialization SERIALIZATION = SmiKinds.newSerialization();

  @TempDir static Path dir;

  @FuzzTest(maxDuration = "30s")
  void smiParsing(byte[] input) {
    String text = new String(input, StandardCharsets.UTF_8);
    List<HasMetadata> objects;
    try {
      objects = SmiKinds.unmarshalAll(SERIALIZATION, text);
    } catch (IllegalArgumentException e) {
      assertThat(e.getMessage()).as("validation message").isNotBlank();
      return;
    }
    for (HasMetadata object : objects) {
      assertThat(object).isNotNull();
      if (SmiKinds.MODELS.stream().noneMatch(model -> model.isInstance(object))) {
        continue; // a Service, or a kind local mode reports as unknown: not SmiValidator's
      }
      for (SmiProblem problem : SmiValidator.validate(object)) {
        assertThat(problem.kind()).as("problem kind").isNotBlank();
        assertThat(problem.field()).as("problem field of %s", problem).isNotBlank();
        assertThat(problem.message()).as("problem message of %s", problem).isNotBlank();
      }
    }
  }

  @FuzzTest(maxDuration = "30s")
  void fileSource(byte[] input) throws IOException {
    Path file = dir.resolve("mesh.yaml");
    Files.write(file, input);
    FileSource source = new FileSource(dir);
    try {
      source.start(() -> {});
      List<Problem> problems = source.problems();
      for (Problem problem : problems) {
        assertThat(problem.toString()).as("problem").contains("mesh.yaml");
      }
      SourceSnapshot snapshot = source.snapshot();
      List<HasMetadata> objects = new ArrayList<>(snapshot.trafficSplits());
      objects.addAll(snapshot.httpRouteGroups());
      objects.addAll(snapshot.trafficTargets());
      for (HasMetadata object : objects) {
        assertThat(object.getMetadata().getName()).as("name of %s", object).isNotNull();
        assertThat(object.getMetadata().getNamespace()).as("namespace of %s", object).isNotNull();
        SmiValidator.validate(object);
      }
      for (HasMetadata service : snapshot.services()) {
        assertThat(service.getMetadata().getName()).as("name of %s", service).isNotNull();
      }
    } finally {
      source.close();
    }
  }
}
