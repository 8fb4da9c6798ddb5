package io.nodemesh.smi;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.nodemesh.config.TenantRegex;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks one SMI object on its own, the way the SMI specification and {@code /work/shared/SMI.md}
 * describe it, and says precisely what is wrong. Objects that reach us through the API server have
 * already passed our CRD schemas, but objects read from local YAML, or stored under older CRDs
 * without schemas, have not; and some rules (regexes compile, a split does not name its own root)
 * cannot be said in OpenAPI at all.
 *
 * <p>Checks that need other objects (does the Service exist, does the HTTPRouteGroup exist, is a
 * backend itself a split root) belong to the controller. "All weights zero" is valid here: the
 * controller answers 503 for such a split (see {@link TrafficSplitSpec#allWeightsZero()}).
 *
 * <p>Every problem is reported, not just the first. Problems under {@code spec.backends[i]}
 * (missing name or weight, negative weight, the root itself, a duplicate) concern that backend
 * only; a caller may leave it out and keep the rest of the split ({@link SmiProblem#isUnder}).
 *
 * <p>Namespaces: backends, matches and rules always refer to objects in the object's own namespace.
 * A TrafficTarget source without a namespace means the TrafficTarget's namespace ({@link
 * #subjectNamespace}); its destination must be in the TrafficTarget's namespace, because a
 * TrafficTarget opens access to the destination and only that namespace's owners may do so (SMI
 * access v1alpha3, "Allowing destination traffic should only be possible with permission of the
 * service owner").
 */
public final class SmiValidator {

  /** HTTP methods SMI names (RFC 9110 section 9 plus PATCH, RFC 5789); {@code *} means all. */
  public static final Set<String> HTTP_METHODS =
      Set.of("GET", "HEAD", "PUT", "POST", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH");

  /** The wildcard that stands for every HTTP method. */
  public static final String ANY_METHOD = "*";

  /** Kinds a TrafficTarget rule may refer to. */
  public static final Set<String> RULE_KINDS =
      Set.of(SmiKinds.HTTP_ROUTE_GROUP, SmiKinds.TCP_ROUTE, SmiKinds.UDP_ROUTE);

  private static final int MIN_PORT = 1;
  private static final int MAX_PORT = 65535;

  // Bounds on what a tenant may write (issue 13): every list and string below reaches the compile
  // path and, for regexes, the proxies' event loops. The CRD schemas carry the same numbers as
  // maxItems/maxLength/maxProperties (SmiCrdYamlTest checks them); these checks also cover objects
  // from local YAML and from CRDs installed without the bounds.

  /** Longest regex (pathRegex, header value): {@link TenantRegex#MAX_LENGTH}. */
  public static final int MAX_REGEX_LENGTH = TenantRegex.MAX_LENGTH;

  /** Longest name a spec refers to or defines (a DNS subdomain, RFC 1123). */
  public static final int MAX_NAME_LENGTH = 253;

  /** Longest header name in a match. */
  public static final int MAX_HEADER_NAME_LENGTH = 256;

  /** Most matches in one HTTPRouteGroup. */
  public static final int MAX_MATCHES = 64;

  /** Most headers in one match. */
  public static final int MAX_HEADERS = 16;

  /** Most methods in one match (the nine methods and {@code *}). */
  public static final int MAX_METHODS = 10;

  /** Most HTTPRouteGroups one TrafficSplit refers to. */
  public static final int MAX_SPLIT_MATCHES = 16;

  /** Most backends of one TrafficSplit. */
  public static final int MAX_BACKENDS = 64;

  /** Most rules, sources, or match names of one rule, in one TrafficTarget. */
  public static final int MAX_TARGET_ITEMS = 64;

  private SmiValidator() {}

  /**
   * Validates any SMI model object.
   *
   * @throws IllegalArgumentException if {@code resource} is not one of the SMI model classes
   */
  public static List<SmiProblem> validate(HasMetadata resource) {
    return switch (resource) {
      case TrafficSplit split -> validate(split);
      case HTTPRouteGroup group -> validate(group);
      case TCPRoute route -> validate(route);
      case UDPRoute route -> validate(route);
      case TrafficTarget target -> validate(target);
      case null -> throw new IllegalArgumentException("SmiValidator.validate: resource is null");
      default ->
          throw new IllegalArgumentException(
              "SmiValidator.validate: not an SMI model: " + resource.getClass().getName());
    };
  }

  /** Validates a TrafficSplit: root service, at least one backend, weights, matches. */
  public static List<SmiProblem> validate(TrafficSplit split) {
    Problems problems = new Problems(SmiKinds.TRAFFIC_SPLIT, split.getMetadata());
    TrafficSplitSpec spec = split.getSpec();
    if (spec == null) {
      return problems.add("spec", "is required").list();
    }
    String namespace = problems.namespace;
    String root = null;
    if (isBlank(spec.getService())) {
      problems.add("spec.service", "is required");
    } else if (tooLong(problems, "spec.service", spec.getService(), MAX_NAME_LENGTH)) {
      root = null;
    } else {
      root = serviceName(spec.getService(), namespace);
      if (root == null) {
        problems.add(
            "spec.service",
            "must name a Service in the split's namespace '%s' (got '%s')"
                .formatted(namespace, spec.getService()));
      }
    }
    List<TrafficSplitBackend> backends = spec.getBackends();
    if (backends == null || backends.isEmpty()) {
      problems.add("spec.backends", "needs at least one backend");
    } else if (!tooMany(problems, "spec.backends", backends, MAX_BACKENDS)) {
      Map<String, Integer> firstIndexByService = new HashMap<>();
      for (int i = 0; i < backends.size(); i++) {
        validateBackend(
            problems, "spec.backends[" + i + "]", backends.get(i), root, i, firstIndexByService);
      }
    }
    List<TrafficSplitMatch> matches = spec.getMatches();
    if (matches != null && !tooMany(problems, "spec.matches", matches, MAX_SPLIT_MATCHES)) {
      for (int i = 0; i < matches.size(); i++) {
        validateSplitMatch(problems, "spec.matches[" + i + "]", matches.get(i));
      }
    }
    return problems.list();
  }

  private static void validateBackend(
      Problems problems,
      String field,
      TrafficSplitBackend backend,
      String root,
      int index,
      Map<String, Integer> firstIndexByService) {
    if (backend == null) {
      problems.add(field, "must not be null");
      return;
    }
    if (isBlank(backend.getService())) {
      problems.add(field + ".service", "is required");
    } else if (tooLong(problems, field + ".service", backend.getService(), MAX_NAME_LENGTH)) {
      return;
    } else if (root != null && backend.getService().equals(root)) {
      // SMI split v1alpha2 "TrafficSplits cannot be self-referential": the root selects every
      // version.
      problems.add(field + ".service", "must not be the root service '%s' itself".formatted(root));
    } else {
      Integer first = firstIndexByService.putIfAbsent(backend.getService(), index);
      if (first != null) {
        problems.add(
            field + ".service",
            "duplicates spec.backends[%d] ('%s'); list each backend once"
                .formatted(first, backend.getService()));
      }
    }
    if (backend.weightProblem() != null) {
      problems.add(field + ".weight", backend.weightProblem());
    } else if (backend.getWeight() == null) {
      problems.add(field + ".weight", "is required");
    } else if (backend.getWeight() < 0) {
      problems.add(field + ".weight", "must be >= 0 (got %d)".formatted(backend.getWeight()));
    }
  }

  private static void validateSplitMatch(Problems problems, String field, TrafficSplitMatch match) {
    if (match == null) {
      problems.add(field, "must not be null");
      return;
    }
    // SMI traffic-split v1alpha4 and traffic-specs v1alpha4: a split may select L4 traffic by
    // the ports of a TCPRoute or UDPRoute as well as HTTP requests by an HTTPRouteGroup.
    String kind = match.getKind();
    if (!SmiKinds.HTTP_ROUTE_GROUP.equals(kind)
        && !SmiKinds.TCP_ROUTE.equals(kind)
        && !SmiKinds.UDP_ROUTE.equals(kind)) {
      problems.add(
          field + ".kind",
          "must be HTTPRouteGroup, TCPRoute or UDPRoute (got %s)".formatted(quoted(kind)));
    }
    if (isBlank(match.getName())) {
      problems.add(field + ".name", "is required");
    } else {
      tooLong(problems, field + ".name", match.getName(), MAX_NAME_LENGTH);
    }
    if (match.getApiGroup() != null && !SmiKinds.SPECS_GROUP.equals(match.getApiGroup())) {
      problems.add(
          field + ".apiGroup",
          "must be %s or absent (got '%s')".formatted(SmiKinds.SPECS_GROUP, match.getApiGroup()));
    }
  }

  /** Validates an HTTPRouteGroup: named matches, compiling regexes, known methods. */
  public static List<SmiProblem> validate(HTTPRouteGroup group) {
    Problems problems = new Problems(SmiKinds.HTTP_ROUTE_GROUP, group.getMetadata());
    HTTPRouteGroupSpec spec = group.getSpec();
    if (spec == null) {
      return problems.add("spec", "is required").list();
    }
    List<HTTPMatch> matches = spec.getMatches();
    if (matches == null || matches.isEmpty()) {
      return problems.add("spec.matches", "needs at least one match").list();
    }
    if (tooMany(problems, "spec.matches", matches, MAX_MATCHES)) {
      return problems.list();
    }
    Map<String, Integer> firstIndexByName = new HashMap<>();
    for (int i = 0; i < matches.size(); i++) {
      String field = "spec.matches[" + i + "]";
      HTTPMatch match = matches.get(i);
      if (match == null) {
        problems.add(field, "must not be null");
        continue;
      }
      if (isBlank(match.getName())) {
        problems.add(field + ".name", "is required");
      } else if (!tooLong(problems, field + ".name", match.getName(), MAX_NAME_LENGTH)) {
        // The name is the key TrafficTarget rules select by, so it must be unique (SMI specs
        // v1alpha3).
        Integer first = firstIndexByName.putIfAbsent(match.getName(), i);
        if (first != null) {
          problems.add(
              field + ".name",
              "duplicates spec.matches[%d] ('%s')".formatted(first, match.getName()));
        }
      }
      if (match.getPathRegex() != null) {
        checkRegex(problems, field + ".pathRegex", match.getPathRegex());
      }
      List<String> methods = match.getMethods();
      if (methods != null && !tooMany(problems, field + ".methods", methods, MAX_METHODS)) {
        for (int m = 0; m < methods.size(); m++) {
          String method = methods.get(m);
          if (method == null || !ANY_METHOD.equals(method) && !HTTP_METHODS.contains(method)) {
            problems.add(
                field + ".methods[" + m + "]",
                "must be an HTTP method in upper case or * (got %s)".formatted(quoted(method)));
          }
        }
      }
      Map<String, String> headers = match.getHeaders();
      if (headers != null && headers.size() > MAX_HEADERS) {
        problems.add(
            field + ".headers",
            "has %d headers; at most %d are allowed".formatted(headers.size(), MAX_HEADERS));
      } else if (headers != null) {
        for (Map.Entry<String, String> header : headers.entrySet()) {
          String headerField = field + ".headers." + header.getKey();
          if (isBlank(header.getKey())) {
            problems.add(field + ".headers", "header names must not be blank");
          } else if (header.getKey().length() > MAX_HEADER_NAME_LENGTH) {
            // The name would make the field path itself unbounded.
            problems.add(
                field + ".headers",
                "a header name is %d characters long; at most %d are allowed"
                    .formatted(header.getKey().length(), MAX_HEADER_NAME_LENGTH));
          } else if (header.getValue() == null) {
            problems.add(headerField, "must be a regex (got null)");
          } else {
            checkRegex(problems, headerField, header.getValue());
          }
        }
      }
    }
    return problems.list();
  }

  /** Validates a TCPRoute: every listed port is 1..65535 (no ports means every port). */
  public static List<SmiProblem> validate(TCPRoute route) {
    Problems problems = new Problems(SmiKinds.TCP_ROUTE, route.getMetadata());
    TCPRouteSpec spec = route.getSpec();
    if (spec != null && spec.getMatches() != null) {
      checkPorts(problems, "spec.matches.ports", spec.getMatches().getPorts());
    }
    return problems.list();
  }

  /** Validates a UDPRoute: every listed port is 1..65535 (no ports means every port). */
  public static List<SmiProblem> validate(UDPRoute route) {
    Problems problems = new Problems(SmiKinds.UDP_ROUTE, route.getMetadata());
    UDPRouteSpec spec = route.getSpec();
    if (spec != null && spec.getMatches() != null) {
      checkPorts(problems, "spec.matches.ports", spec.getMatches().getPorts());
    }
    return problems.list();
  }

  /**
   * Validates a TrafficTarget: a ServiceAccount destination in the target's namespace, at least one
   * rule and at least one ServiceAccount source. A TrafficTarget without rules would allow nothing,
   * so it is reported rather than read as "allow all" (Traefik Mesh issue #747).
   */
  public static List<SmiProblem> validate(TrafficTarget target) {
    Problems problems = new Problems(SmiKinds.TRAFFIC_TARGET, target.getMetadata());
    TrafficTargetSpec spec = target.getSpec();
    if (spec == null) {
      return problems.add("spec", "is required").list();
    }
    IdentityBindingSubject destination = spec.getDestination();
    if (destination == null) {
      problems.add("spec.destination", "is required");
    } else {
      checkSubject(problems, "spec.destination", destination);
      if (destination.getNamespace() != null
          && problems.namespace != null
          && !destination.getNamespace().equals(problems.namespace)) {
        problems.add(
            "spec.destination.namespace",
            "must be the TrafficTarget's own namespace '%s' or absent (got '%s')"
                .formatted(problems.namespace, destination.getNamespace()));
      }
      if (destination.getPort() != null) {
        checkPort(problems, "spec.destination.port", destination.getPort());
      }
    }
    List<TrafficTargetRule> rules = spec.getRules();
    if (rules == null || rules.isEmpty()) {
      problems.add(
          "spec.rules", "needs at least one rule (a TrafficTarget without rules allows nothing)");
    } else if (!tooMany(problems, "spec.rules", rules, MAX_TARGET_ITEMS)) {
      for (int i = 0; i < rules.size(); i++) {
        validateRule(problems, "spec.rules[" + i + "]", rules.get(i));
      }
    }
    List<IdentityBindingSubject> sources = spec.getSources();
    if (sources == null || sources.isEmpty()) {
      problems.add("spec.sources", "needs at least one source");
    } else if (!tooMany(problems, "spec.sources", sources, MAX_TARGET_ITEMS)) {
      for (int i = 0; i < sources.size(); i++) {
        String field = "spec.sources[" + i + "]";
        IdentityBindingSubject source = sources.get(i);
        if (source == null) {
          problems.add(field, "must not be null");
          continue;
        }
        checkSubject(problems, field, source);
        if (source.getPort() != null) {
          problems.add(
              field + ".port",
              "only the destination has a port (got %d)".formatted(source.getPort()));
        }
      }
    }
    return problems.list();
  }

  private static void validateRule(Problems problems, String field, TrafficTargetRule rule) {
    if (rule == null) {
      problems.add(field, "must not be null");
      return;
    }
    // Set.of(...).contains(null) throws, hence the explicit null check here and for methods.
    if (rule.getKind() == null || !RULE_KINDS.contains(rule.getKind())) {
      problems.add(
          field + ".kind",
          "must be HTTPRouteGroup, TCPRoute or UDPRoute (got %s)"
              .formatted(quoted(rule.getKind())));
    }
    if (isBlank(rule.getName())) {
      problems.add(field + ".name", "is required");
    } else {
      tooLong(problems, field + ".name", rule.getName(), MAX_NAME_LENGTH);
    }
    List<String> matches = rule.getMatches();
    if (matches != null && !tooMany(problems, field + ".matches", matches, MAX_TARGET_ITEMS)) {
      for (int m = 0; m < matches.size(); m++) {
        if (isBlank(matches.get(m))) {
          problems.add(field + ".matches[" + m + "]", "must name a match of the route");
        } else {
          tooLong(problems, field + ".matches[" + m + "]", matches.get(m), MAX_NAME_LENGTH);
        }
      }
    }
  }

  private static void checkSubject(
      Problems problems, String field, IdentityBindingSubject subject) {
    if (!SmiKinds.SERVICE_ACCOUNT.equals(subject.getKind())) {
      problems.add(
          field + ".kind", "must be ServiceAccount (got %s)".formatted(quoted(subject.getKind())));
    }
    if (isBlank(subject.getName())) {
      problems.add(field + ".name", "is required");
    } else {
      tooLong(problems, field + ".name", subject.getName(), MAX_NAME_LENGTH);
    }
  }

  private static void checkPorts(Problems problems, String field, List<Integer> ports) {
    if (ports == null) {
      return;
    }
    for (int i = 0; i < ports.size(); i++) {
      checkPort(problems, field + "[" + i + "]", ports.get(i));
    }
  }

  private static void checkPort(Problems problems, String field, Integer port) {
    if (port == null) {
      problems.add(field, "must be a port number (got null)");
    } else if (port < MIN_PORT || port > MAX_PORT) {
      problems.add(field, "must be between 1 and 65535 (got %d)".formatted(port));
    }
  }

  /**
   * A regex must be one the proxies run ({@link TenantRegex}: RE2 syntax, bounded length and size).
   * The message quotes the offending part, never a whole over-long regex.
   */
  private static void checkRegex(Problems problems, String field, String regex) {
    String problem = TenantRegex.problem(regex);
    if (problem != null) {
      problems.add(field, problem);
    }
  }

  /** Reports and returns true when {@code list} has more than {@code max} items. */
  private static boolean tooMany(Problems problems, String field, List<?> list, int max) {
    if (list.size() <= max) {
      return false;
    }
    problems.add(field, "has %d items; at most %d are allowed".formatted(list.size(), max));
    return true;
  }

  /** Reports and returns true when {@code value} is longer than {@code max}. */
  private static boolean tooLong(Problems problems, String field, String value, int max) {
    if (value.length() <= max) {
      return false;
    }
    problems.add(
        field, "is %d characters long; at most %d are allowed".formatted(value.length(), max));
    return true;
  }

  /**
   * The namespace a TrafficTarget subject lives in: its own {@code namespace}, or, when that is
   * absent or blank, the TrafficTarget's namespace.
   */
  public static String subjectNamespace(IdentityBindingSubject subject, TrafficTarget target) {
    if (subject.getNamespace() != null && !subject.getNamespace().isBlank()) {
      return subject.getNamespace();
    }
    return target.getMetadata() == null ? null : target.getMetadata().getNamespace();
  }

  /**
   * The plain Service name that a TrafficSplit's {@code spec.service} refers to. SMI allows a plain
   * name or an FQDN in the split's namespace: {@code echo}, {@code echo.shop}, {@code
   * echo.shop.svc} or {@code echo.shop.svc.<cluster-domain>} all give {@code echo} in namespace
   * {@code shop}. Returns null when the reference names another namespace or is not a DNS-like
   * name. A null {@code namespace} (object from a local file without one) accepts any namespace
   * part.
   */
  public static String serviceName(String reference, String namespace) {
    if (reference == null || reference.isBlank()) {
      return null;
    }
    String[] labels = reference.split("\\.", -1);
    for (String label : labels) {
      if (label.isEmpty()) {
        return null;
      }
    }
    if (labels.length == 1) {
      return labels[0];
    }
    boolean sameNamespace = namespace == null || labels[1].equals(namespace);
    boolean svcSuffix = labels.length == 2 || labels[2].equals("svc");
    return sameNamespace && svcSuffix ? labels[0] : null;
  }

  private static boolean isBlank(String value) {
    return value == null || value.isBlank();
  }

  private static String quoted(String value) {
    return value == null ? "nothing" : "'" + value + "'";
  }

  /** Collects the problems of one object, stamping each with the object's identity. */
  private static final class Problems {
    private final String kind;
    private final String namespace;
    private final String name;
    private final List<SmiProblem> problems = new ArrayList<>();

    Problems(String kind, ObjectMeta metadata) {
      this.kind = kind;
      this.namespace = metadata == null ? null : metadata.getNamespace();
      this.name = metadata == null ? null : metadata.getName();
    }

    Problems add(String field, String message) {
      problems.add(new SmiProblem(kind, namespace, name, field, message));
      return this;
    }

    List<SmiProblem> list() {
      return List.copyOf(problems);
    }
  }
}
