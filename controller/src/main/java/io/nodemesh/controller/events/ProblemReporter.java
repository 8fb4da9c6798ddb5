package io.nodemesh.controller.events;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.nodemesh.config.wire.ShadowLabels;
import io.nodemesh.controller.common.Problem;
import io.nodemesh.smi.SmiKinds;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * Turns problems into a log line each and, on the leader, a core/v1 Warning Event on the offending
 * object. Deduplicated: a problem that persists across recompilations is reported once; an Event
 * that already exists (written by this or an earlier leader, same deterministic name) has its
 * {@code count} bumped instead of a new one being created.
 */
public final class ProblemReporter {
  private static final System.Logger LOG = System.getLogger(ProblemReporter.class.getName());
  static final String COMPONENT = "nodemesh-controller";

  private final KubernetesClient client;
  private final BooleanSupplier leader;
  private final String identity;
  private final Set<Problem> logged = new HashSet<>();
  private final Set<Problem> emitted = new HashSet<>();

  /**
   * @param client null: local mode, log lines only
   * @param leader whether this replica may write Events now
   * @param identity this replica, as the Event's reporting instance
   */
  public ProblemReporter(KubernetesClient client, BooleanSupplier leader, String identity) {
    this.client = client;
    this.leader = leader;
    this.identity = identity;
  }

  /** Reports what is new in {@code current}; forgets problems that went away. */
  public synchronized void report(List<Problem> current) {
    Set<Problem> now = new HashSet<>(current);
    logged.retainAll(now);
    emitted.retainAll(now);
    for (Problem p : current) {
      if (logged.add(p)) {
        LOG.log(Level.WARNING, p.toString());
      }
    }
    if (client == null) {
      return;
    }
    if (!leader.getAsBoolean()) {
      // A new leader re-emits (bumping counts), so nothing is lost in a hand-over.
      emitted.clear();
      return;
    }
    for (Problem p : current) {
      if (p.namespace() == null
          || p.name() == null
          || "File".equals(p.kind())
          || emitted.contains(p)) {
        continue;
      }
      try {
        emit(p);
        emitted.add(p);
      } catch (KubernetesClientException e) {
        LOG.log(Level.WARNING, "cannot write Event for " + p + ": " + e.getMessage());
      }
    }
  }

  private void emit(Problem p) {
    String name = eventName(p);
    String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    var events = client.v1().events().inNamespace(p.namespace());
    Event existing = events.withName(name).get();
    if (existing != null) {
      events
          .withName(name)
          .edit(
              e ->
                  new EventBuilder(e)
                      .withCount(e.getCount() == null ? 2 : e.getCount() + 1)
                      .withLastTimestamp(now)
                      .build());
      return;
    }
    Event event =
        new EventBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(p.namespace())
            .addToLabels(ShadowLabels.MANAGED_BY_LABEL, ShadowLabels.MANAGED_BY)
            .endMetadata()
            .withNewInvolvedObject()
            .withKind(p.kind())
            .withNamespace(p.namespace())
            .withName(p.name())
            .withApiVersion(apiVersion(p.kind()))
            .withFieldPath(p.field())
            .endInvolvedObject()
            .withType("Warning")
            .withReason(p.reason().eventReason())
            .withMessage(p.field() + ": " + p.message())
            .withCount(1)
            .withFirstTimestamp(now)
            .withLastTimestamp(now)
            .withNewSource()
            .withComponent(COMPONENT)
            .endSource()
            .withReportingComponent("nodemesh.io/controller")
            .withReportingInstance(identity)
            .build();
    events.resource(event).create();
  }

  private static String apiVersion(String kind) {
    if ("NetworkPolicy".equals(kind)) {
      return "networking.k8s.io/v1";
    }
    List<String> smi = SmiKinds.apiVersionsOf(kind);
    return smi.isEmpty() ? "v1" : smi.get(0);
  }

  /**
   * A stable Event name per problem, so replicas and restarts bump one Event instead of piling up.
   */
  static String eventName(Problem p) {
    String base = p.name().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9.-]", "-");
    if (base.length() > 200) {
      base = base.substring(0, 200);
    }
    return base
        + ".nodemesh-"
        + hash(
            p.kind()
                + "|"
                + p.namespace()
                + "|"
                + p.name()
                + "|"
                + p.field()
                + "|"
                + p.reason()
                + "|"
                + p.message());
  }

  private static String hash(String s) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d).substring(0, 12);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JDK", e);
    }
  }
}
