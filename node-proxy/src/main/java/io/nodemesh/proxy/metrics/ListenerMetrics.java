package io.nodemesh.proxy.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** Request count by status class and request duration for one listener. */
public final class ListenerMetrics {
  private static final String[] CLASSES = {"1xx", "2xx", "3xx", "4xx", "5xx"};

  private final Counter[] byClass = new Counter[CLASSES.length];
  private final Timer duration;
  private final Counter retries;

  ListenerMetrics(MeterRegistry registry, String namespace, String service, int port) {
    Tags tags = Tags.of("namespace", namespace, "service", service, "port", Integer.toString(port));
    for (int i = 0; i < CLASSES.length; i++) {
      byClass[i] =
          Counter.builder("nodemesh.requests")
              .description("HTTP requests proxied, by status code class")
              .tags(tags)
              .tag("code", CLASSES[i])
              .register(registry);
    }
    duration =
        Timer.builder("nodemesh.request.duration")
            .description("Time from request head to the end of the response")
            .tags(tags)
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofMillis(1))
            .maximumExpectedValue(Duration.ofSeconds(60))
            .register(registry);
    retries =
        Counter.builder("nodemesh.retries")
            .description("Retries sent to the listener's backends (first tries not counted)")
            .tags(tags)
            .register(registry);
  }

  /** Counts one retry. */
  public void retried() {
    retries.increment();
  }

  /** Records one finished request; a status outside 100..599 counts as 5xx. */
  public void record(int status, long nanos) {
    int c = status / 100 - 1;
    byClass[c >= 0 && c < CLASSES.length ? c : CLASSES.length - 1].increment();
    duration.record(nanos, TimeUnit.NANOSECONDS);
  }
}
