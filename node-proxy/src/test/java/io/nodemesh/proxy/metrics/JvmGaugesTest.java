package io.nodemesh.proxy.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The JVM's gauges (docs/metrics.md) are bound by the first scrape, not at start (issue 15: start
 * to ready), and that scrape already lists them; the GC meters, which count notifications, listen
 * from the start.
 */
class JvmGaugesTest {

  @Test
  void theFirstScrapeBindsAndListsTheJvmGauges() {
    ProxyMetrics metrics = new ProxyMetrics();
    try {
      assertThat(metrics.registry().find("jvm.memory.used").gauges()).isEmpty();
      assertThat(metrics.registry().find("jvm.threads.live").gauges()).isEmpty();
      assertThat(metrics.registry().find("process.cpu.usage").gauges()).isEmpty();
      assertThat(metrics.registry().find("jvm.gc.memory.allocated").counter()).isNotNull();

      String text = metrics.scrape();

      assertThat(text)
          .contains(
              "jvm_memory_used_bytes{",
              "jvm_memory_committed_bytes{",
              "jvm_memory_max_bytes{",
              "jvm_buffer_count_buffers{",
              "jvm_classes_loaded_classes ",
              "jvm_threads_live_threads ",
              "jvm_threads_daemon_threads ",
              "jvm_threads_peak_threads ",
              "jvm_threads_states_threads{",
              "process_cpu_usage ",
              "system_cpu_count ",
              "jvm_gc_memory_allocated_bytes_total ");
    } finally {
      metrics.close();
    }
  }
}
