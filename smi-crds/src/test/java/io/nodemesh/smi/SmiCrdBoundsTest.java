package io.nodemesh.smi;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The API server refuses what the validator would refuse, for the bounds OpenAPI can say (issue
 * 13): every served version of each CRD carries SmiValidator's numbers.
 */
class SmiCrdBoundsTest {

  private static JSONSchemaProps at(JSONSchemaProps root, String path) {
    JSONSchemaProps node = root;
    for (String part : path.split("\\.")) {
      if (part.equals("[]")) {
        node = node.getItems().getSchema();
      } else if (part.equals("{}")) {
        node = node.getAdditionalProperties().getSchema();
      } else {
        node = node.getProperties().get(part);
      }
      assertThat(node).as(path).isNotNull();
    }
    return node;
  }

  private static void eachVersion(
      Class<? extends HasMetadata> model, Consumer<JSONSchemaProps> check) {
    List<CustomResourceDefinitionVersion> versions =
        SmiCrdYamlTest.loadCrd(model).getSpec().getVersions();
    for (CustomResourceDefinitionVersion v : versions) {
      check.accept(v.getSchema().getOpenAPIV3Schema());
    }
  }

  @Test
  void httpRouteGroupBoundsAreTheValidators() {
    eachVersion(
        HTTPRouteGroup.class,
        s -> {
          assertThat(at(s, "spec.matches").getMaxItems()).isEqualTo(SmiValidator.MAX_MATCHES);
          assertThat(at(s, "spec.matches.[].name").getMaxLength())
              .isEqualTo(SmiValidator.MAX_NAME_LENGTH);
          assertThat(at(s, "spec.matches.[].pathRegex").getMaxLength())
              .isEqualTo(SmiValidator.MAX_REGEX_LENGTH);
          assertThat(at(s, "spec.matches.[].methods").getMaxItems())
              .isEqualTo(SmiValidator.MAX_METHODS);
          assertThat(at(s, "spec.matches.[].headers").getMaxProperties())
              .isEqualTo(SmiValidator.MAX_HEADERS);
          assertThat(at(s, "spec.matches.[].headers.{}").getMaxLength())
              .isEqualTo(SmiValidator.MAX_REGEX_LENGTH);
        });
  }

  @Test
  void trafficSplitBoundsAreTheValidators() {
    eachVersion(
        TrafficSplit.class,
        s -> {
          assertThat(at(s, "spec.service").getMaxLength()).isEqualTo(SmiValidator.MAX_NAME_LENGTH);
          assertThat(at(s, "spec.backends").getMaxItems()).isEqualTo(SmiValidator.MAX_BACKENDS);
          assertThat(at(s, "spec.backends.[].service").getMaxLength())
              .isEqualTo(SmiValidator.MAX_NAME_LENGTH);
          assertThat(at(s, "spec.matches").getMaxItems()).isEqualTo(SmiValidator.MAX_SPLIT_MATCHES);
          assertThat(at(s, "spec.matches.[].name").getMaxLength())
              .isEqualTo(SmiValidator.MAX_NAME_LENGTH);
        });
  }

  @Test
  void trafficTargetBoundsAreTheValidators() {
    eachVersion(
        TrafficTarget.class,
        s -> {
          for (String list : new String[] {"spec.rules", "spec.sources", "spec.rules.[].matches"}) {
            assertThat(at(s, list).getMaxItems()).as(list).isEqualTo(SmiValidator.MAX_TARGET_ITEMS);
          }
          for (String name :
              new String[] {
                "spec.destination.name",
                "spec.rules.[].name",
                "spec.rules.[].matches.[]",
                "spec.sources.[].name"
              }) {
            assertThat(at(s, name).getMaxLength()).as(name).isEqualTo(SmiValidator.MAX_NAME_LENGTH);
          }
        });
  }
}
