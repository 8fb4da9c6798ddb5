package io.nodemesh.controller.shadow;

import io.fabric8.kubernetes.api.model.Service;
import io.nodemesh.controller.common.Problem;
import io.nodemesh.controller.common.ProblemReason;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Settles who owns a shadow name that more than one meshed Service maps to. Names carry 64 bits of
 * hash, so a collision is either very bad luck or a tenant who searched for one to take over
 * another Service's shadow and ClusterIP (issue 13). Either way the Service that already holds the
 * name keeps it, and a name nobody holds goes to the oldest claimant: creationTimestamp, then uid,
 * then {@code namespace/name}, so every replica decides the same. Every other claimant gets a
 * {@link Problem} (an Event on its Service) and no shadow Service.
 */
final class ShadowClaims {
  private ShadowClaims() {}

  /**
   * One meshed Service that wants a shadow name.
   *
   * @param namespace its namespace
   * @param name its name
   * @param source the Service object, or null when unknown (then it counts as the newest)
   */
  record Claim(String namespace, String name, Service source) {
    String key() {
      return namespace + "/" + name;
    }

    Instant created() {
      String ts = source == null ? null : source.getMetadata().getCreationTimestamp();
      if (ts == null) {
        return Instant.MAX;
      }
      try {
        return Instant.parse(ts);
      } catch (DateTimeParseException e) {
        return Instant.MAX;
      }
    }

    String uid() {
      String uid = source == null ? null : source.getMetadata().getUid();
      return Objects.requireNonNullElse(uid, "");
    }
  }

  /** Oldest first; uid and then namespace/name break ties. */
  static final Comparator<Claim> AGE =
      Comparator.comparing(Claim::created).thenComparing(Claim::uid).thenComparing(Claim::key);

  /**
   * The winner of each claimed name.
   *
   * @param claims the claimants of each shadow name
   * @param holders the {@code namespace/name} that each existing shadow's labels name
   * @param problems where each losing claimant's problem goes
   * @return shadow name to the winning claim; a name held by a Service that no longer claims it (an
   *     orphan, deleted by this reconciliation) has no winner until the next one
   */
  static Map<String, Claim> settle(
      Map<String, List<Claim>> claims, Map<String, String> holders, List<Problem> problems) {
    Map<String, Claim> winners = new TreeMap<>();
    for (Map.Entry<String, List<Claim>> e : claims.entrySet()) {
      String shadow = e.getKey();
      List<Claim> sorted = new ArrayList<>(e.getValue());
      sorted.sort(AGE);
      String holder = holders.get(shadow);
      Claim winner;
      if (holder == null) {
        winner = sorted.get(0);
      } else {
        winner = sorted.stream().filter(c -> c.key().equals(holder)).findFirst().orElse(null);
      }
      if (winner != null) {
        winners.put(shadow, winner);
      }
      for (Claim c : sorted) {
        if (winner != null && c != winner) {
          problems.add(lost(c, shadow, winner));
        }
      }
    }
    return winners;
  }

  private static Problem lost(Claim loser, String shadow, Claim winner) {
    return new Problem(
        "Service",
        loser.namespace(),
        loser.name(),
        "metadata.name",
        "its shadow Service name '"
            + shadow
            + "' is already taken by Service '"
            + winner.key()
            + "' (the Service that holds a name, or the older one, keeps it); this Service gets no"
            + " shadow Service, so its mesh name does not resolve. Rename it to mesh it",
        ProblemReason.SHADOW_NAME_COLLISION);
  }
}
