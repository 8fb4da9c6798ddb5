package io.nodemesh.proxy.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The meters of relayed traffic to one backend: TCP connections or UDP sessions (opened, open) and
 * bytes both ways, plus datagrams for UDP. Shared by every connection or session of the backend;
 * any thread.
 */
public final class RelayMeters {
  private final Counter opened;
  private final AtomicInteger open;
  private final Counter receivedBytes;
  private final Counter sentBytes;
  private final Counter receivedDatagrams;
  private final Counter sentDatagrams;

  RelayMeters(ProxyMetrics owner, String protocol, Tags tags) {
    MeterRegistry registry = owner.registry();
    boolean udp = "udp".equals(protocol);
    String unit = udp ? "sessions" : "connections";
    String prefix = "nodemesh." + protocol + ".";
    opened =
        Counter.builder(prefix + unit)
            .description(udp ? "UDP sessions opened" : "TCP connections relayed to a backend")
            .tags(tags)
            .register(registry);
    open =
        owner.sharedGauge(
            prefix + unit + ".open",
            udp ? "UDP sessions open" : "TCP connections open to a backend",
            tags);
    receivedBytes =
        Counter.builder(prefix + "received.bytes")
            .description("Bytes received from clients")
            .baseUnit("bytes")
            .tags(tags)
            .register(registry);
    sentBytes =
        Counter.builder(prefix + "sent.bytes")
            .description("Bytes sent back to clients")
            .baseUnit("bytes")
            .tags(tags)
            .register(registry);
    if (udp) {
      receivedDatagrams =
          Counter.builder(prefix + "received.datagrams")
              .description("Datagrams received from clients")
              .tags(tags)
              .register(registry);
      sentDatagrams =
          Counter.builder(prefix + "sent.datagrams")
              .description("Datagrams sent back to clients")
              .tags(tags)
              .register(registry);
    } else {
      receivedDatagrams = null;
      sentDatagrams = null;
    }
  }

  /** A connection or session to the backend was established. */
  public void opened() {
    opened.increment();
    open.incrementAndGet();
  }

  /** A connection or session counted by {@link #opened} ended. */
  public void closed() {
    open.decrementAndGet();
  }

  /** Bytes (one datagram for UDP) read from the client. */
  public void fromClient(int bytes) {
    receivedBytes.increment(bytes);
    if (receivedDatagrams != null) {
      receivedDatagrams.increment();
    }
  }

  /** Bytes (one datagram for UDP) written back to the client. */
  public void toClient(int bytes) {
    sentBytes.increment(bytes);
    if (sentDatagrams != null) {
      sentDatagrams.increment();
    }
  }
}
