package io.nodemesh.proxy.udp;

import java.time.Duration;
import java.util.Objects;

/**
 * Limits of UDP listeners.
 *
 * @param idleTimeout a session with no datagram either way for this long is closed
 * @param maxSessions sessions per listener; datagrams of new clients beyond it are dropped
 * @param maxQueued datagrams held per session while its upstream channel is being opened; more
 *     are dropped
 */
public record UdpSettings(Duration idleTimeout, int maxSessions, int maxQueued) {
  public UdpSettings {
    Objects.requireNonNull(idleTimeout, "udp idle timeout");
    if (idleTimeout.isNegative() || idleTimeout.isZero()) {
      throw new IllegalArgumentException("udp idle timeout " + idleTimeout + " is not positive");
    }
    if (maxSessions < 1) {
      throw new IllegalArgumentException("udp max sessions " + maxSessions + " is not positive");
    }
    if (maxQueued < 0) {
      throw new IllegalArgumentException("udp max queued " + maxQueued + " is negative");
    }
  }

  /** 60 s idle timeout, 10,000 sessions per listener, 64 queued datagrams per session. */
  public static UdpSettings defaults() {
    return new UdpSettings(Duration.ofSeconds(60), 10_000, 64);
  }

  public UdpSettings withIdleTimeout(Duration value) {
    return new UdpSettings(value, maxSessions, maxQueued);
  }

  public UdpSettings withMaxSessions(int value) {
    return new UdpSettings(idleTimeout, value, maxQueued);
  }
}
