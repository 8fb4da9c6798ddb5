package io.nodemesh.smi;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Names of the SMI kinds Nodemesh implements, the apiVersions it accepts for each, and the way to
 * turn YAML of any accepted apiVersion into the model classes.
 *
 * <p><b>Served versus accepted versions.</b> Each kind has one current version (the one the models
 * carry in their {@code @Version}): {@code split.smi-spec.io/v1alpha4}, {@code
 * specs.smi-spec.io/v1alpha4} and {@code access.smi-spec.io/v1alpha3}. Older versions still found
 * in clusters ({@code split} v1alpha1 to v1alpha3, {@code specs} v1alpha3, {@code access} v1alpha2)
 * differ only in shape details that the current models absorb (fields they lack are simply absent;
 * unknown fields are ignored; {@code split} v1alpha1's quantity weights, which Flagger and Argo
 * Rollouts write, are read by {@link TrafficSplitBackend}), so they deserialise into the same
 * classes. Our CRDs serve all of them with conversion strategy {@code None}, so the API server
 * hands an informer every object in the version it asks for.
 *
 * <p><b>Deserialising.</b> fabric8 maps {@code apiVersion}+{@code kind} to a Java class. A client's
 * {@code client.resources(TrafficSplit.class)} registers the current version on its own. For YAML
 * of any accepted version (the local-mode reader, tests) call {@link
 * #register(KubernetesSerialization)} once on the serialization in use (for a client: {@code
 * client.getKubernetesSerialization()}), or use {@link #newSerialization()}, {@link
 * #unmarshal(KubernetesSerialization, String)} (one object) or {@link
 * #unmarshalAll(KubernetesSerialization, String)} (a whole file: several documents, {@code kind:
 * List}), which do it for you. The static (deprecated) {@code Serialization.unmarshal} cannot be
 * extended with extra versions, so do not use it for SMI objects (it does know the current
 * versions, through {@code META-INF/services/io.fabric8.kubernetes.api.model.KubernetesResource}).
 *
 * <p>A deserialised object always reports its model's current {@code apiVersion}, whatever version
 * it was read from: fabric8 computes a {@code CustomResource}'s apiVersion from its annotations and
 * ignores the one in the document. Callers that must know the original version read it from the
 * document before unmarshalling.
 */
public final class SmiKinds {

  /**
   * Why a document that overflows the stack is refused. A YAML alias inside its own anchor ({@code
   * a: &x [*x]}) makes a cyclic structure that the conversion to objects follows forever; found by
   * fuzzing (docs/reliability.md).
   */
  public static final String TOO_DEEP =
      "nested too deeply to read (a YAML alias that refers to itself?)";

  public static final String SPLIT_GROUP = "split.smi-spec.io";
  public static final String SPLIT_VERSION = "v1alpha4";
  public static final String SPECS_GROUP = "specs.smi-spec.io";
  public static final String SPECS_VERSION = "v1alpha4";
  public static final String ACCESS_GROUP = "access.smi-spec.io";
  public static final String ACCESS_VERSION = "v1alpha3";

  public static final String TRAFFIC_SPLIT = "TrafficSplit";
  public static final String HTTP_ROUTE_GROUP = "HTTPRouteGroup";
  public static final String TCP_ROUTE = "TCPRoute";
  public static final String UDP_ROUTE = "UDPRoute";
  public static final String TRAFFIC_TARGET = "TrafficTarget";

  /** The only identity kind SMI access policy knows. */
  public static final String SERVICE_ACCOUNT = "ServiceAccount";

  public static final String SPLIT_API_VERSION = SPLIT_GROUP + "/" + SPLIT_VERSION;
  public static final String SPECS_API_VERSION = SPECS_GROUP + "/" + SPECS_VERSION;
  public static final String ACCESS_API_VERSION = ACCESS_GROUP + "/" + ACCESS_VERSION;

  /** Every version of {@code split.smi-spec.io} we accept, current first. */
  public static final List<String> SPLIT_VERSIONS =
      List.of("v1alpha4", "v1alpha3", "v1alpha2", "v1alpha1");

  /** Every version of {@code specs.smi-spec.io} we accept, current first. */
  public static final List<String> SPECS_VERSIONS = List.of("v1alpha4", "v1alpha3");

  /** Every version of {@code access.smi-spec.io} we accept, current first. */
  public static final List<String> ACCESS_VERSIONS = List.of("v1alpha3", "v1alpha2");

  /** The model classes, in the order controllers usually start their informers. */
  public static final List<Class<? extends CustomResource<?, ?>>> MODELS =
      List.of(
          HTTPRouteGroup.class,
          TCPRoute.class,
          UDPRoute.class,
          TrafficSplit.class,
          TrafficTarget.class);

  // A YAML document separator is a line that starts with "---" (YAML 1.2 section 9.1.3); content
  // after it on the same line is not supported, comments are.
  private static final Pattern DOCUMENT_SEPARATOR = Pattern.compile("(?m)^---[ \\t]*(?:#.*)?$");

  private static final Map<String, Class<? extends CustomResource<?, ?>>> BY_API_VERSION_AND_KIND =
      buildIndex();

  private SmiKinds() {}

  private static Map<String, Class<? extends CustomResource<?, ?>>> buildIndex() {
    Map<String, Class<? extends CustomResource<?, ?>>> index = new LinkedHashMap<>();
    for (String v : SPLIT_VERSIONS) {
      index.put(key(SPLIT_GROUP + "/" + v, TRAFFIC_SPLIT), TrafficSplit.class);
    }
    for (String v : SPECS_VERSIONS) {
      index.put(key(SPECS_GROUP + "/" + v, HTTP_ROUTE_GROUP), HTTPRouteGroup.class);
      index.put(key(SPECS_GROUP + "/" + v, TCP_ROUTE), TCPRoute.class);
      index.put(key(SPECS_GROUP + "/" + v, UDP_ROUTE), UDPRoute.class);
    }
    for (String v : ACCESS_VERSIONS) {
      index.put(key(ACCESS_GROUP + "/" + v, TRAFFIC_TARGET), TrafficTarget.class);
    }
    return Map.copyOf(index);
  }

  private static String key(String apiVersion, String kind) {
    return apiVersion + "#" + kind;
  }

  /**
   * The model class for an accepted apiVersion and kind, e.g. {@code ("split.smi-spec.io/v1alpha2",
   * "TrafficSplit")} gives {@link TrafficSplit}; empty for anything else (including null).
   */
  public static Optional<Class<? extends CustomResource<?, ?>>> modelFor(
      String apiVersion, String kind) {
    if (apiVersion == null || kind == null) {
      return Optional.empty();
    }
    return Optional.ofNullable(BY_API_VERSION_AND_KIND.get(key(apiVersion, kind)));
  }

  /** Whether {@code apiVersion}/{@code kind} is an SMI kind in a version we accept. */
  public static boolean isAccepted(String apiVersion, String kind) {
    return modelFor(apiVersion, kind).isPresent();
  }

  /**
   * Every accepted {@code apiVersion} (group/version) of the kind, current first; empty if unknown.
   */
  public static List<String> apiVersionsOf(String kind) {
    return switch (kind) {
      case TRAFFIC_SPLIT -> SPLIT_VERSIONS.stream().map(v -> SPLIT_GROUP + "/" + v).toList();
      case HTTP_ROUTE_GROUP, TCP_ROUTE, UDP_ROUTE ->
          SPECS_VERSIONS.stream().map(v -> SPECS_GROUP + "/" + v).toList();
      case TRAFFIC_TARGET -> ACCESS_VERSIONS.stream().map(v -> ACCESS_GROUP + "/" + v).toList();
      case null, default -> List.of();
    };
  }

  /** The SMI kind names we know. */
  public static Set<String> kinds() {
    return Set.of(TRAFFIC_SPLIT, HTTP_ROUTE_GROUP, TCP_ROUTE, UDP_ROUTE, TRAFFIC_TARGET);
  }

  /**
   * Registers every accepted apiVersion of every SMI kind with {@code serialization}, so that its
   * {@code unmarshal} yields the model classes for old versions too. Idempotent.
   */
  public static KubernetesSerialization register(KubernetesSerialization serialization) {
    for (Map.Entry<String, Class<? extends CustomResource<?, ?>>> e :
        BY_API_VERSION_AND_KIND.entrySet()) {
      int hash = e.getKey().indexOf('#');
      Class<? extends KubernetesResource> type = e.getValue();
      serialization.registerKubernetesResource(
          e.getKey().substring(0, hash), e.getKey().substring(hash + 1), type);
    }
    return serialization;
  }

  /** A new {@link KubernetesSerialization} with every accepted SMI apiVersion registered. */
  public static KubernetesSerialization newSerialization() {
    return register(new KubernetesSerialization());
  }

  /**
   * Reads one YAML or JSON document holding one object. SMI kinds of any accepted apiVersion come
   * back as their model class; other kinds as fabric8 knows them, or as {@code
   * GenericKubernetesResource} when it does not. Registers the SMI versions with {@code
   * serialization} first.
   *
   * @throws IllegalArgumentException if the text is not exactly one Kubernetes object (several
   *     documents, a {@code kind: List}, or no {@code apiVersion}/{@code kind}); use {@link
   *     #unmarshalAll} for files
   */
  public static HasMetadata unmarshal(KubernetesSerialization serialization, String document) {
    register(serialization);
    Object read;
    try {
      read = serialization.unmarshal(requireText(document));
    } catch (StackOverflowError e) {
      throw new IllegalArgumentException(TOO_DEEP, e);
    }
    if (read instanceof HasMetadata resource) {
      return resource;
    }
    throw new IllegalArgumentException(
        "expected one Kubernetes object, got " + describe(read) + "; use SmiKinds.unmarshalAll");
  }

  /**
   * Reads every object of a YAML or JSON text, as a file holds them: several documents separated by
   * {@code ---} lines, and {@code kind: List} documents flattened into their items, in order.
   * Documents that are empty or hold only comments are skipped. SMI kinds of any accepted
   * apiVersion come back as their model class (see {@link #unmarshal}).
   *
   * @throws IllegalArgumentException naming the 1-based document number when a document does not
   *     parse or is not a Kubernetes object
   */
  public static List<HasMetadata> unmarshalAll(KubernetesSerialization serialization, String text) {
    register(serialization);
    List<HasMetadata> objects = new ArrayList<>();
    List<String> documents = splitDocuments(requireText(text));
    for (int i = 0; i < documents.size(); i++) {
      String document = documents.get(i);
      if (isEmptyDocument(document)) {
        continue;
      }
      int number = i + 1;
      Object read;
      try {
        read = serialization.unmarshal(document);
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("document " + number + ": " + e.getMessage(), e);
      } catch (StackOverflowError e) {
        throw new IllegalArgumentException("document " + number + ": " + TOO_DEEP, e);
      }
      collect(read, number, objects);
    }
    return List.copyOf(objects);
  }

  private static void collect(Object read, int number, List<HasMetadata> objects) {
    switch (read) {
      case KubernetesResourceList<?> list -> {
        // "kind: List" without items (or with "items: null") is an empty list; found by fuzzing.
        if (list.getItems() != null) {
          for (Object item : list.getItems()) {
            collect(item, number, objects);
          }
        }
      }
      case HasMetadata resource -> objects.add(resource);
      case null, default ->
          throw new IllegalArgumentException(
              "document %d: not a Kubernetes object (%s)".formatted(number, describe(read)));
    }
  }

  private static List<String> splitDocuments(String text) {
    return List.of(DOCUMENT_SEPARATOR.split(text, -1));
  }

  private static boolean isEmptyDocument(String document) {
    return document
        .lines()
        .map(String::strip)
        .allMatch(line -> line.isEmpty() || line.startsWith("#") || line.equals("..."));
  }

  private static String requireText(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("expected YAML or JSON text, got nothing");
    }
    return text;
  }

  private static String describe(Object read) {
    return switch (read) {
      case null -> "nothing";
      case List<?> list -> "a list of " + list.size() + " documents";
      case KubernetesResourceList<?> list -> "a List of " + list.getItems().size() + " items";
      default -> "no apiVersion and kind (read as " + read.getClass().getSimpleName() + ")";
    };
  }
}
