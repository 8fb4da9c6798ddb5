package io.nodemesh.dns.server;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponseCode;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * What the mesh DNS server answered: queries by transport, question type and response code, and how
 * long answering took. Label values come from fixed sets (a made-up type is {@code other}), so
 * hostile queries cannot grow the number of series.
 */
public final class DnsMetrics {
  /** Question types kept as their own label value (RFC 1035 §3.2.2, RFC 3596); others: other. */
  static final Set<String> TYPES =
      Set.of("A", "AAAA", "CNAME", "SRV", "TXT", "PTR", "MX", "NS", "SOA", "ANY");

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Timer duration;

  public DnsMetrics(MeshNames names) {
    // Answers come from memory: microseconds, unless the event loop is starved.
    duration =
        Timer.builder("nodemesh.dns.query.duration")
            .description("Time from a decoded query to its response handed to the transport")
            .serviceLevelObjectives(
                Duration.ofNanos(25_000),
                Duration.ofNanos(50_000),
                Duration.ofNanos(100_000),
                Duration.ofNanos(250_000),
                Duration.ofNanos(500_000),
                Duration.ofMillis(1),
                Duration.ofMillis(5),
                Duration.ofMillis(25),
                Duration.ofMillis(100))
            .register(registry);
    Gauge.builder("nodemesh.dns.names", names, MeshNames::size)
        .description("Mesh names (NAME.NAMESPACE) the server can answer")
        .register(registry);
  }

  /** Counts one answered query. */
  void record(String transport, DnsRecordType type, DnsResponseCode code, long nanos) {
    Counter.builder("nodemesh.dns.queries")
        .description("DNS queries answered, by transport, question type and response code")
        .tag("transport", transport)
        .tag("type", type(type))
        .tag("rcode", rcode(code))
        .register(registry)
        .increment();
    duration.record(nanos, TimeUnit.NANOSECONDS);
  }

  static String type(DnsRecordType type) {
    if (type == null) {
      return "none";
    }
    String name = type.name();
    return TYPES.contains(name) ? name : "other";
  }

  /** RFC 1035 §4.1.1 and RFC 6895 §2.3 names of the codes this server can send. */
  static String rcode(DnsResponseCode code) {
    return switch (code.intValue()) {
      case 0 -> "NOERROR";
      case 1 -> "FORMERR";
      case 2 -> "SERVFAIL";
      case 3 -> "NXDOMAIN";
      case 4 -> "NOTIMP";
      case 5 -> "REFUSED";
      default -> "other";
    };
  }

  /** Prometheus text exposition of every meter. */
  public String scrape() {
    return registry.scrape();
  }
}
