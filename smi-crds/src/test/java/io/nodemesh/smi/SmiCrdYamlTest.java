package io.nodemesh.smi;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.beans.IntrospectionException;
import java.beans.Introspector;
import java.beans.PropertyDescriptor;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeType;
import tools.jackson.databind.node.ObjectNode;

/**
 * Keeps the hand-written CRD YAML and the Java models from drifting apart: names, versions, and the
 * schema of {@code spec} against what Jackson actually writes for a fully populated model.
 */
class SmiCrdYamlTest {

  private static final KubernetesSerialization SERIALIZATION = SmiKinds.newSerialization();

  static Stream<Arguments> models() {
    return Stream.of(
        Arguments.of(TrafficSplit.class, "trafficsplit-v1alpha4.yaml"),
        Arguments.of(HTTPRouteGroup.class, "httproutegroup-v1alpha4.yaml"),
        Arguments.of(TCPRoute.class, "tcproute-v1alpha4.yaml"),
        Arguments.of(UDPRoute.class, "udproute-v1alpha4.yaml"),
        Arguments.of(TrafficTarget.class, "traffictarget-v1alpha3.yaml"));
  }

  static CustomResourceDefinition loadCrd(Class<? extends HasMetadata> model) {
    String file = "/crds/" + HasMetadata.getFullResourceName(model) + ".yaml";
    try (InputStream in = SmiCrdYamlTest.class.getResourceAsStream(file)) {
      assertThat(in).as("CRD file %s on the class path", file).isNotNull();
      return SERIALIZATION.unmarshal(in, CustomResourceDefinition.class);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("models")
  void crdNamesMatchTheModel(Class<? extends HasMetadata> model) {
    CustomResourceDefinition crd = loadCrd(model);

    assertThat(crd.getApiVersion()).isEqualTo("apiextensions.k8s.io/v1");
    assertThat(crd.getMetadata().getName()).isEqualTo(CustomResource.getCRDName(model));
    assertThat(crd.getSpec().getGroup()).isEqualTo(HasMetadata.getGroup(model));
    assertThat(crd.getSpec().getNames().getKind()).isEqualTo(HasMetadata.getKind(model));
    assertThat(crd.getSpec().getNames().getListKind())
        .isEqualTo(HasMetadata.getKind(model) + "List");
    assertThat(crd.getSpec().getNames().getPlural()).isEqualTo(HasMetadata.getPlural(model));
    assertThat(crd.getSpec().getNames().getSingular()).isEqualTo(HasMetadata.getSingular(model));
    assertThat(crd.getSpec().getScope()).isEqualTo("Namespaced");
    assertThat(crd.getSpec().getConversion().getStrategy()).isEqualTo("None");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("models")
  void crdServesEveryAcceptedVersionAndStoresTheModelsVersion(Class<? extends HasMetadata> model) {
    CustomResourceDefinition crd = loadCrd(model);
    String kind = HasMetadata.getKind(model);
    String group = HasMetadata.getGroup(model);

    List<String> served =
        crd.getSpec().getVersions().stream()
            .filter(CustomResourceDefinitionVersion::getServed)
            .map(v -> group + "/" + v.getName())
            .toList();
    assertThat(served).containsExactlyElementsOf(SmiKinds.apiVersionsOf(kind));
    assertThat(crd.getSpec().getVersions())
        .filteredOn(CustomResourceDefinitionVersion::getStorage)
        .extracting(CustomResourceDefinitionVersion::getName)
        .containsExactly(HasMetadata.getVersion(model));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("models")
  void everyVersionHasTheSameSchemaBecauseConversionIsNone(Class<? extends HasMetadata> model) {
    List<CustomResourceDefinitionVersion> versions = loadCrd(model).getSpec().getVersions();

    JSONSchemaProps first = versions.get(0).getSchema().getOpenAPIV3Schema();
    assertThat(first).isNotNull();
    for (CustomResourceDefinitionVersion version : versions) {
      assertThat(version.getSchema().getOpenAPIV3Schema()).as(version.getName()).isEqualTo(first);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("models")
  void schemaOfSpecAndModelHaveTheSamePropertiesAndTypes(Class<? extends HasMetadata> model) {
    JSONSchemaProps root = currentSchema(model);
    Type specType = specType(model);

    List<String> differences = new ArrayList<>();
    JsonNode written = SERIALIZATION.convertValue(populated(specType), JsonNode.class);
    compare("spec", root.getProperties().get("spec"), written, differences);

    assertThat(differences).isEmpty();
  }

  /**
   * The API server rejects a CRD whose schema is not structural; inside anyOf it allows a type only
   * in the exact int-or-string form [{type: integer}, {type: string}] (Kubernetes docs, "Specifying
   * a structural schema"), so the weight's bounds sit beside it, not in it.
   */
  @Test
  void weightIsAnIntOrStringInTheOnlyFormAStructuralSchemaAllows() {
    for (CustomResourceDefinitionVersion v : loadCrd(TrafficSplit.class).getSpec().getVersions()) {
      JSONSchemaProps weight =
          v.getSchema()
              .getOpenAPIV3Schema()
              .getProperties()
              .get("spec")
              .getProperties()
              .get("backends")
              .getItems()
              .getSchema()
              .getProperties()
              .get("weight");
      assertThat(weight.getXKubernetesIntOrString()).as(v.getName()).isTrue();
      assertThat(weight.getType()).isNull();
      assertThat(weight.getAnyOf())
          .as(v.getName())
          .containsExactly(
              new io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaPropsBuilder()
                  .withType("integer")
                  .build(),
              new io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaPropsBuilder()
                  .withType("string")
                  .build());
      assertThat(weight.getMinimum()).isZero();
      assertThat(weight.getMaxLength()).isEqualTo(16L);
      // The API server and the controller accept the same quantities.
      assertThat(weight.getPattern()).isEqualTo("^" + Weights.QUANTITY.pattern() + "$");
    }
  }

  @Test
  void driftCheckReportsPropertiesMissingOnEitherSide() {
    JSONSchemaProps schema = currentSchema(TrafficSplit.class).getProperties().get("spec");
    ObjectNode written =
        (ObjectNode) SERIALIZATION.convertValue(populated(TrafficSplitSpec.class), JsonNode.class);
    written.remove("matches");
    written.put("extra", "x");
    ((ObjectNode) written.get("backends").get(0)).put("service", 7);
    ((ObjectNode) written.get("backends").get(0)).put("weight", 1.5);

    List<String> differences = new ArrayList<>();
    compare("spec", schema, written, differences);

    assertThat(differences)
        .containsExactlyInAnyOrder(
            "spec.matches: in the schema but not written by the model",
            "spec.extra: written by the model but not in the schema",
            "spec.backends[].service: schema type string, model writes NUMBER",
            "spec.backends[].weight: schema int-or-string, model writes NUMBER");
  }

  /**
   * Every field the schema requires is also required by {@link SmiValidator}: removing it from a
   * valid sample gives a problem naming that field, so local YAML (which never meets the API
   * server) is held to the same rules.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("models")
  void everyFieldTheSchemaRequiresTheValidatorRequiresToo(
      Class<? extends HasMetadata> model, String sampleFile) {
    HasMetadata sample = SmiKinds.unmarshal(SERIALIZATION, SmiKindsTest.sample(sampleFile));
    assertThat(SmiValidator.validate(sample)).isEmpty();
    JsonNode tree = SERIALIZATION.convertValue(sample, JsonNode.class);

    List<String> requiredPaths = new ArrayList<>();
    collectRequired("", currentSchema(model), tree, requiredPaths);
    assertThat(requiredPaths).allSatisfy(path -> assertThat(path).startsWith("spec"));

    for (String path : requiredPaths) {
      ObjectNode copy = (ObjectNode) tree.deepCopy();
      remove(copy, path);
      HasMetadata broken = SERIALIZATION.convertValue(copy, model);
      assertThat(SmiValidator.validate(broken))
          .as("validator on %s without %s", model.getSimpleName(), path)
          .anySatisfy(problem -> assertThat(problem.field()).isEqualTo(path));
    }
  }

  private static JSONSchemaProps currentSchema(Class<? extends HasMetadata> model) {
    return loadCrd(model).getSpec().getVersions().stream()
        .filter(CustomResourceDefinitionVersion::getStorage)
        .findFirst()
        .orElseThrow()
        .getSchema()
        .getOpenAPIV3Schema();
  }

  private static Type specType(Class<?> model) {
    ParameterizedType crType = (ParameterizedType) model.getGenericSuperclass();
    return crType.getActualTypeArguments()[0];
  }

  /**
   * An instance of {@code type} with every bean property set, recursively, so Jackson writes all.
   */
  private static Object populated(Type type) {
    Class<?> raw = raw(type);
    if (raw == String.class) {
      return "x";
    }
    if (raw == Integer.class) {
      return 1;
    }
    if (raw == List.class) {
      return List.of(populated(typeArgument(type, 0)));
    }
    if (raw == Map.class) {
      return Map.of("k", populated(typeArgument(type, 1)));
    }
    try {
      Object bean = raw.getConstructor().newInstance();
      for (PropertyDescriptor property : beanProperties(raw)) {
        property
            .getWriteMethod()
            .invoke(bean, populated(property.getReadMethod().getGenericReturnType()));
      }
      return bean;
    } catch (ReflectiveOperationException e) {
      throw new AssertionError("cannot populate " + type, e);
    }
  }

  private static List<PropertyDescriptor> beanProperties(Class<?> type) {
    try {
      List<PropertyDescriptor> properties = new ArrayList<>();
      for (PropertyDescriptor p :
          Introspector.getBeanInfo(type, Object.class).getPropertyDescriptors()) {
        assertThat(p.getWriteMethod())
            .as("setter of %s.%s", type.getSimpleName(), p.getName())
            .isNotNull();
        properties.add(p);
      }
      return properties;
    } catch (IntrospectionException e) {
      throw new AssertionError(e);
    }
  }

  private static Class<?> raw(Type type) {
    return type instanceof ParameterizedType p ? (Class<?>) p.getRawType() : (Class<?>) type;
  }

  private static Type typeArgument(Type type, int index) {
    return ((ParameterizedType) type).getActualTypeArguments()[index];
  }

  /** Compares what Jackson wrote for a fully populated model with the schema, field by field. */
  private static void compare(
      String path, JSONSchemaProps schema, JsonNode written, List<String> out) {
    if (Boolean.TRUE.equals(schema.getXKubernetesIntOrString())) {
      // TrafficSplit weights: an integer, or a v1alpha1 quantity string.
      if (!written.isIntegralNumber() && written.getNodeType() != JsonNodeType.STRING) {
        out.add("%s: schema int-or-string, model writes %s".formatted(path, written.getNodeType()));
      }
      return;
    }
    String expected = schema.getType();
    String actual =
        switch (written.getNodeType()) {
          case OBJECT -> "object";
          case ARRAY -> "array";
          case STRING -> "string";
          case NUMBER -> written.isIntegralNumber() ? "integer" : "number";
          default -> written.getNodeType().name();
        };
    if (!actual.equals(expected)) {
      out.add(
          "%s: schema type %s, model writes %s".formatted(path, expected, written.getNodeType()));
      return;
    }
    switch (expected) {
      case "array" -> compare(path + "[]", schema.getItems().getSchema(), written.get(0), out);
      case "object" -> {
        if (schema.getAdditionalProperties() != null) {
          compare(path + ".*", schema.getAdditionalProperties().getSchema(), written.get("k"), out);
          return;
        }
        Map<String, JSONSchemaProps> properties = schema.getProperties();
        Set<String> names = new TreeSet<>(properties.keySet());
        written.propertyNames().forEach(names::add);
        for (String name : names) {
          if (!properties.containsKey(name)) {
            out.add(path + "." + name + ": written by the model but not in the schema");
          } else if (!written.has(name)) {
            out.add(path + "." + name + ": in the schema but not written by the model");
          } else {
            compare(path + "." + name, properties.get(name), written.get(name), out);
          }
        }
        if (schema.getRequired() != null) {
          for (String required : schema.getRequired()) {
            if (!properties.containsKey(required)) {
              out.add(path + "." + required + ": required but not a property of the schema");
            }
          }
        }
      }
      default -> {}
    }
  }

  /** Paths ({@code spec.backends[0].weight}) of required fields present in {@code node}. */
  private static void collectRequired(
      String path, JSONSchemaProps schema, JsonNode node, List<String> out) {
    if (node == null || node.isNull()) {
      return;
    }
    if ("array".equals(schema.getType())) {
      if (node.size() > 0) {
        collectRequired(path + "[0]", schema.getItems().getSchema(), node.get(0), out);
      }
      return;
    }
    if (!"object".equals(schema.getType()) || schema.getProperties() == null) {
      return;
    }
    if (schema.getRequired() != null) {
      for (String required : schema.getRequired()) {
        out.add(path.isEmpty() ? required : path + "." + required);
      }
    }
    for (Map.Entry<String, JSONSchemaProps> property : schema.getProperties().entrySet()) {
      String child = path.isEmpty() ? property.getKey() : path + "." + property.getKey();
      collectRequired(child, property.getValue(), node.get(property.getKey()), out);
    }
  }

  private static void remove(ObjectNode root, String path) {
    JsonNode parent = root;
    List<String> steps = new ArrayList<>();
    for (String part : path.split("\\.")) {
      steps.add(part);
    }
    Iterator<String> it = steps.iterator();
    while (it.hasNext()) {
      String step = it.next();
      int bracket = step.indexOf('[');
      String name = bracket < 0 ? step : step.substring(0, bracket);
      if (!it.hasNext() && bracket < 0) {
        ((ObjectNode) parent).remove(name);
        return;
      }
      parent = parent.get(name);
      if (bracket >= 0) {
        int index = Integer.parseInt(step.substring(bracket + 1, step.length() - 1));
        parent = ((ArrayNode) parent).get(index);
      }
    }
  }

  @Test
  void populatedInstancesAreComplete() {
    TrafficTargetSpec spec = (TrafficTargetSpec) populated(TrafficTargetSpec.class);

    assertThat(spec.getDestination().getPort()).isEqualTo(1);
    assertThat(spec.getSources()).hasSize(1);
    assertThat(spec.getRules().get(0).getMatches()).containsExactly("x");
  }
}
