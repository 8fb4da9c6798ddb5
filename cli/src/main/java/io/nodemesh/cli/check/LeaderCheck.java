package io.nodemesh.cli.check;

import static io.nodemesh.cli.check.CheckText.blank;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;

/**
 * A controller replica holds the Lease and keeps renewing it, unless the chart runs the controller
 * with {@code --no-leader-election} (controller.leaderElection=false).
 */
final class LeaderCheck implements Check {
  @Override
  public String name() {
    return "leader";
  }

  @Override
  public CheckItem run(CheckContext c) {
    ClusterCheck.Settings settings = c.settings();
    Lease lease =
        c.client()
            .leases()
            .inNamespace(settings.meshNamespace())
            .withName(settings.controllerName())
            .get();
    boolean held =
        lease != null && lease.getSpec() != null && !blank(lease.getSpec().getHolderIdentity());
    if (!held && leaderElectionOff(c)) {
      return CheckItem.pass(
          "leader", "leader election is off (a single controller replica writes)");
    }
    if (!held) {
      return CheckItem.fail(
          "leader",
          "no controller holds Lease %s/%s; are the controller pods running?"
              .formatted(settings.meshNamespace(), settings.controllerName()));
    }
    String holder = lease.getSpec().getHolderIdentity();
    ZonedDateTime renewed = lease.getSpec().getRenewTime();
    Integer seconds = lease.getSpec().getLeaseDurationSeconds();
    if (renewed != null && seconds != null) {
      Instant expiry = renewed.toInstant().plusSeconds(seconds);
      Instant now = c.clock().instant();
      if (expiry.isBefore(now)) {
        return CheckItem.fail(
            "leader",
            "Lease %s/%s held by %s expired %s ago; the leader stopped renewing"
                .formatted(
                    settings.meshNamespace(),
                    settings.controllerName(),
                    holder,
                    Duration.between(expiry, now).toSeconds() + "s"));
      }
    }
    return CheckItem.pass("leader", "held by " + holder);
  }

  /** Whether the controller Deployment runs with {@code --no-leader-election}. */
  private static boolean leaderElectionOff(CheckContext c) {
    var d =
        c.client()
            .apps()
            .deployments()
            .inNamespace(c.settings().meshNamespace())
            .withName(c.settings().controllerName())
            .get();
    if (d == null) {
      return false;
    }
    return d.getSpec().getTemplate().getSpec().getContainers().stream()
        .anyMatch(x -> x.getArgs() != null && x.getArgs().contains("--no-leader-election"));
  }
}
