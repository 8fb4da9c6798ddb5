package io.nodemesh.controller.leader;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfig;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Whether this replica may write (shadow Services, Events). Either always (no election) or while it
 * holds the Lease {@value #LEASE_NAME} in the mesh namespace (fabric8 {@code LeaderElector}).
 */
public final class LeaderGate implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(LeaderGate.class.getName());
  public static final String LEASE_NAME = "nodemesh-controller";
  public static final Duration LEASE_DURATION = Duration.ofSeconds(15);
  public static final Duration RENEW_DEADLINE = Duration.ofSeconds(10);
  public static final Duration RETRY_PERIOD = Duration.ofSeconds(2);

  private final AtomicBoolean leader = new AtomicBoolean();
  private volatile CompletableFuture<?> election;
  private volatile boolean closed;

  private LeaderGate(boolean always) {
    leader.set(always);
  }

  /** A gate that is always open: a single replica, or local mode. */
  public static LeaderGate always() {
    return new LeaderGate(true);
  }

  /**
   * Starts the election; {@code onChange} runs whenever leadership is gained or lost, so the caller
   * can start or stop writing.
   */
  public static LeaderGate elect(
      KubernetesClient client, String namespace, String identity, Runnable onChange) {
    LeaderGate gate = new LeaderGate(false);
    var config =
        new LeaderElectionConfigBuilder()
            .withName(LEASE_NAME)
            .withLock(new LeaseLock(namespace, LEASE_NAME, identity))
            .withLeaseDuration(LEASE_DURATION)
            .withRenewDeadline(RENEW_DEADLINE)
            .withRetryPeriod(RETRY_PERIOD)
            .withReleaseOnCancel(true)
            .withLeaderCallbacks(
                new LeaderCallbacks(
                    () -> {
                      LOG.log(Level.INFO, identity + " is now the leader");
                      gate.leader.set(true);
                      onChange.run();
                    },
                    () -> {
                      LOG.log(Level.INFO, identity + " stopped leading");
                      gate.leader.set(false);
                      onChange.run();
                    },
                    newLeader -> LOG.log(Level.INFO, "leader is " + newLeader)))
            .build();
    gate.run(client, config);
    return gate;
  }

  /**
   * fabric8's elector ends after losing the lease; a replica must keep competing, so a finished
   * election is started again until the gate is closed.
   */
  private void run(KubernetesClient client, LeaderElectionConfig config) {
    if (closed) {
      return;
    }
    CompletableFuture<?> f = client.leaderElector().withConfig(config).build().start();
    election = f;
    f.whenComplete(
        (ok, e) -> {
          if (!closed) {
            if (e != null) {
              LOG.log(Level.WARNING, "leader election ended: " + e + "; competing again");
            }
            run(client, config);
          }
        });
  }

  public boolean isLeader() {
    return leader.get();
  }

  @Override
  public void close() {
    closed = true;
    CompletableFuture<?> e = election;
    if (e != null) {
      e.cancel(true);
    }
    leader.set(false);
  }
}
