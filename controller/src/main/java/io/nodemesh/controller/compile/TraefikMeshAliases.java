package io.nodemesh.controller.compile;

import io.fabric8.kubernetes.api.model.Service;
import io.nodemesh.controller.common.Problem;
import io.nodemesh.controller.common.ProblemReason;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Traefik Mesh's Service annotations ({@code mesh.traefik.io/*}, and the older {@code
 * maesh.containo.us/*} it still read), accepted as aliases of ours so a Service moved from Traefik
 * Mesh keeps its policy (docs/migrate-from-traefik-mesh.md). Each alias is translated into the
 * {@code nodemesh.io/*} annotation with the same meaning; where the meanings differ the translation
 * says how:
 *
 * <ul>
 *   <li>{@code traffic-type}, {@code scheme}, {@code ratelimit-average}, {@code ratelimit-burst}:
 *       the same values, taken as they are; the two rate-limit ones only together, as Traefik Mesh
 *       made no limit from one alone.
 *   <li>{@code retry-attempts: N}: Traefik counts every try, the first included (its retry
 *       middleware stops when {@code attempts >= N}), we count retries, so N becomes N − 1.
 *   <li>{@code circuit-breaker-expression}: Traefik's expression language has no counterpart; the
 *       two forms that mean "open when this share of requests fails" ({@code NetworkErrorRatio() >
 *       R} and {@code ResponseCodeRatio(500, 600, 0, 600) > R}) become {@code
 *       circuit-breaker-ratio: R}. Any other expression is a {@link Problem} naming it, and no
 *       circuit breaker comes from it.
 * </ul>
 *
 * <p>An alias never overrides ours: when both are set, ours wins and the alias is a Problem.
 */
final class TraefikMeshAliases {
  static final String PREFIX = "mesh.traefik.io/";

  /** What Traefik Mesh was called before 1.4 ("Maesh"); it read these when its own were absent. */
  static final String LEGACY_PREFIX = "maesh.containo.us/";

  static final String TRAFFIC_TYPE = "traffic-type";
  static final String SCHEME = "scheme";
  static final String RETRY_ATTEMPTS = "retry-attempts";
  static final String CIRCUIT_BREAKER_EXPRESSION = "circuit-breaker-expression";
  static final String RATELIMIT_AVERAGE = "ratelimit-average";
  static final String RATELIMIT_BURST = "ratelimit-burst";

  /** Every Traefik Mesh annotation name (after the prefix) we read, for docs and tests. */
  static final List<String> NAMES =
      List.of(
          TRAFFIC_TYPE,
          SCHEME,
          RETRY_ATTEMPTS,
          CIRCUIT_BREAKER_EXPRESSION,
          RATELIMIT_AVERAGE,
          RATELIMIT_BURST);

  /** Our retry-attempts allows 0..10 retries, which is 1..11 Traefik attempts. */
  private static final int MAX_TRAEFIK_ATTEMPTS = 11;

  /** A tenant-written expression: bounded before the (linear, unnested) pattern sees it. */
  private static final int MAX_EXPRESSION_LENGTH = 256;

  private static final Pattern RATIO_EXPRESSION =
      Pattern.compile(
          "\\s*(?:NetworkErrorRatio\\(\\s*\\)"
              + "|ResponseCodeRatio\\(\\s*500\\s*,\\s*600\\s*,\\s*0\\s*,\\s*600\\s*\\))"
              + "\\s*>=?\\s*(\\d{1,3}(?:\\.\\d{1,9})?|\\.\\d{1,9})\\s*");

  /**
   * The annotations with every alias translated into ours, and for each translated key the alias it
   * came from (so a Problem about the value names what the user wrote).
   */
  record Translated(Map<String, String> annotations, Map<String, String> origins) {
    Translated {
      annotations = Map.copyOf(annotations);
      origins = Map.copyOf(origins);
    }
  }

  private TraefikMeshAliases() {}

  /** The alias key present for {@code name} ({@code mesh.traefik.io/} first), or null. */
  static String aliasKey(Map<String, String> annotations, String name) {
    if (annotations.containsKey(PREFIX + name)) {
      return PREFIX + name;
    }
    if (annotations.containsKey(LEGACY_PREFIX + name)) {
      return LEGACY_PREFIX + name;
    }
    return null;
  }

  static boolean hasAny(Map<String, String> annotations) {
    for (String key : annotations.keySet()) {
      if (key.startsWith(PREFIX) || key.startsWith(LEGACY_PREFIX)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Translates the policy aliases (everything but {@code traffic-type}, which {@link MeshCompiler}
   * reads) of {@code service}; adds a Problem for each alias it cannot honour.
   */
  static Translated translate(
      Service service, Map<String, String> annotations, List<Problem> problems) {
    if (!hasAny(annotations)) {
      return new Translated(annotations, Map.of());
    }
    Map<String, String> out = new HashMap<>(annotations);
    Map<String, String> origins = new HashMap<>();
    copy(service, annotations, SCHEME, PolicyAnnotations.SCHEME, out, origins, problems);
    String averageKey = aliasKey(annotations, RATELIMIT_AVERAGE);
    String burstKey = aliasKey(annotations, RATELIMIT_BURST);
    if ((averageKey == null) != (burstKey == null)) {
      // Traefik Mesh made a rate limit only from both; one alone limited nothing, and still must
      // not.
      String present = averageKey != null ? averageKey : burstKey;
      problems.add(
          problem(
              service,
              present,
              "ignored: Traefik Mesh set a rate limit only when both "
                  + PREFIX
                  + RATELIMIT_AVERAGE
                  + " and "
                  + PREFIX
                  + RATELIMIT_BURST
                  + " were set"));
    } else {
      copy(
          service,
          annotations,
          RATELIMIT_AVERAGE,
          PolicyAnnotations.RATELIMIT_AVERAGE,
          out,
          origins,
          problems);
      copy(
          service,
          annotations,
          RATELIMIT_BURST,
          PolicyAnnotations.RATELIMIT_BURST,
          out,
          origins,
          problems);
    }

    String attemptsKey = aliasKey(annotations, RETRY_ATTEMPTS);
    if (attemptsKey != null
        && !shadowed(
            service, annotations, attemptsKey, PolicyAnnotations.RETRY_ATTEMPTS, problems)) {
      String raw = annotations.get(attemptsKey).trim();
      int attempts = -1;
      if (raw.matches("\\d{1,4}")) {
        attempts = Integer.parseInt(raw);
      }
      if (attempts < 0 || attempts > MAX_TRAEFIK_ATTEMPTS) {
        problems.add(
            problem(
                service,
                attemptsKey,
                "invalid value '"
                    + raw
                    + "' (expected the number of tries, 0.."
                    + MAX_TRAEFIK_ATTEMPTS
                    + ", the first one included); no retries"));
      } else {
        // Traefik's N tries are the first one and N - 1 retries.
        out.put(PolicyAnnotations.RETRY_ATTEMPTS, Integer.toString(Math.max(attempts - 1, 0)));
        origins.put(PolicyAnnotations.RETRY_ATTEMPTS, attemptsKey);
      }
    }

    String expressionKey = aliasKey(annotations, CIRCUIT_BREAKER_EXPRESSION);
    if (expressionKey != null
        && !shadowed(service, annotations, expressionKey, PolicyAnnotations.CB_RATIO, problems)) {
      String expression = annotations.get(expressionKey);
      Matcher m =
          expression.length() <= MAX_EXPRESSION_LENGTH
              ? RATIO_EXPRESSION.matcher(expression)
              : null;
      if (m != null && m.matches()) {
        out.put(PolicyAnnotations.CB_RATIO, m.group(1));
        origins.put(PolicyAnnotations.CB_RATIO, expressionKey);
      } else {
        String shown = expression.length() <= 80 ? expression : expression.substring(0, 80) + "...";
        problems.add(
            problem(
                service,
                expressionKey,
                "Traefik circuit-breaker expression '"
                    + shown
                    + "' cannot be honoured: only"
                    + " 'NetworkErrorRatio() > R' and 'ResponseCodeRatio(500, 600, 0, 600) > R'"
                    + " translate (to "
                    + PolicyAnnotations.CB_RATIO
                    + "); no circuit breaker from it,"
                    + " use the nodemesh.io/circuit-breaker-* annotations"));
      }
    }
    return new Translated(out, origins);
  }

  /** An alias whose value has the same meaning as ours: copied unless ours is set. */
  private static void copy(
      Service service,
      Map<String, String> annotations,
      String name,
      String ours,
      Map<String, String> out,
      Map<String, String> origins,
      List<Problem> problems) {
    String key = aliasKey(annotations, name);
    if (key != null && !shadowed(service, annotations, key, ours, problems)) {
      out.put(ours, annotations.get(key));
      origins.put(ours, key);
    }
  }

  /** Ours wins over an alias; saying so keeps a half-migrated Service from surprising anyone. */
  private static boolean shadowed(
      Service service,
      Map<String, String> annotations,
      String aliasKey,
      String ours,
      List<Problem> problems) {
    if (!annotations.containsKey(ours)) {
      return false;
    }
    problems.add(problem(service, aliasKey, "ignored: " + ours + " is set too, and wins"));
    return true;
  }

  static Problem problem(Service service, String key, String message) {
    return new Problem(
        "Service",
        service.getMetadata().getNamespace(),
        service.getMetadata().getName(),
        "metadata.annotations[" + key + "]",
        message,
        ProblemReason.INVALID_ANNOTATION);
  }
}
