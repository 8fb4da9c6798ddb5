package io.nodemesh.proxy.udp;

import java.time.Duration;
import java.util.Objects;

/**
 * Limits of UDP listeners.
 *
 * @param idleTimeout a session with no datagram either way for this long is closed
 * @param maxSessions sessions per listener; datagrams of new clients beyond it are dropped
 * @param maxQueued datagrams held per session while its upstream channel is being opened; more are
 *     dropped
 * @param maxSessionsPerSource sessions per listener from one client IP (each source port is a
 *     session); datagrams that would open one more are dropped, so one client cannot take the
 *     listener's whole {@code maxSessions}
 * @param maxServiceIdleTimeout the longest idle timeout a Service may set with {@code
 *     nodemesh.io/idle-timeout}; a longer one is cut to it (an idle session holds a socket and a
 *     slot of {@code maxSessions})
 */
public record UdpSettings(
    Duration idleTimeout,
    int maxSessions,
    int maxQueued,
    int maxSessionsPerSource,
    Duration maxServiceIdleTimeout) {
  /** Sessions per client IP and listener by default. */
  public static final int DEFAULT_MAX_SESSIONS_PER_SOURCE = 256;

  /** The longest Service idle timeout by default: 5 minutes. */
  public static final Duration DEFAULT_MAX_SERVICE_IDLE_TIMEOUT =
      Duration.ofMillis(io.nodemesh.config.ServicePolicy.Timeouts.UDP_IDLE_BOUND_MILLIS);

  public UdpSettings {
    positive("idle timeout", idleTimeout);
    positive("max service idle timeout", maxServiceIdleTimeout);
    if (maxSessions < 1) {
      throw new IllegalArgumentException("udp max sessions " + maxSessions + " is not positive");
    }
    if (maxQueued < 0) {
      throw new IllegalArgumentException("udp max queued " + maxQueued + " is negative");
    }
    if (maxSessionsPerSource < 1) {
      throw new IllegalArgumentException(
          "udp max sessions per source " + maxSessionsPerSource + " is not positive");
    }
  }

  /** As the canonical constructor, with the default per-source cap and Service idle bound. */
  public UdpSettings(Duration idleTimeout, int maxSessions, int maxQueued) {
    this(
        idleTimeout,
        maxSessions,
        maxQueued,
        DEFAULT_MAX_SESSIONS_PER_SOURCE,
        DEFAULT_MAX_SERVICE_IDLE_TIMEOUT);
  }

  private static void positive(String what, Duration d) {
    Objects.requireNonNull(d, "udp " + what);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException("udp " + what + " " + d + " is not positive");
    }
  }

  /**
   * 60 s idle timeout, 10,000 sessions per listener, 64 queued datagrams per session, 256 sessions
   * per client IP, Service idle timeouts of at most 5 minutes.
   */
  public static UdpSettings defaults() {
    return new UdpSettings(Duration.ofSeconds(60), 10_000, 64);
  }

  public UdpSettings withIdleTimeout(Duration value) {
    return new UdpSettings(
        value, maxSessions, maxQueued, maxSessionsPerSource, maxServiceIdleTimeout);
  }

  public UdpSettings withMaxSessions(int value) {
    return new UdpSettings(
        idleTimeout, value, maxQueued, maxSessionsPerSource, maxServiceIdleTimeout);
  }

  public UdpSettings withMaxSessionsPerSource(int value) {
    return new UdpSettings(idleTimeout, maxSessions, maxQueued, value, maxServiceIdleTimeout);
  }

  public UdpSettings withMaxServiceIdleTimeout(Duration value) {
    return new UdpSettings(idleTimeout, maxSessions, maxQueued, maxSessionsPerSource, value);
  }

  /**
   * The idle timeout of a session: the Service's, cut to {@link #maxServiceIdleTimeout}, else the
   * proxy's.
   *
   * @param serviceMillis the Service's {@code nodemesh.io/idle-timeout}; 0 when it has none
   */
  public long sessionIdleNanos(long serviceMillis) {
    if (serviceMillis <= 0) {
      return idleTimeout.toNanos();
    }
    return Math.min(serviceMillis, maxServiceIdleTimeout.toMillis()) * 1_000_000L;
  }
}
