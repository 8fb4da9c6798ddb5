package io.nodemesh.proxy.reliability;

import io.nodemesh.testkit.Wire;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * An open-loop load generator: {@code connections} keep-alive connections share a fixed request
 * rate, each sending at its own scheduled instants. Latency runs from the scheduled instant, not
 * from the send, so a stall shows up in the numbers instead of silently lowering the rate
 * (coordinated omission). A failed connection is replaced and the request counted as failed.
 */
final class Load {
  /** What one run measured. */
  record Result(
      String name,
      int rate,
      Duration duration,
      long sent,
      long ok,
      long failed,
      long p50Micros,
      long p99Micros,
      long maxMicros,
      long elapsedMillis,
      Map<String, Long> failures) {
    String line() {
      return String.format(
          "[reliability] %s: rate=%d/s duration=%ds achieved=%.0f/s sent=%d ok=%d failed=%d"
              + " p50=%.1fms p99=%.1fms max=%.1fms%s",
          name,
          rate,
          duration.toSeconds(),
          sent * 1000.0 / Math.max(1, elapsedMillis),
          sent,
          ok,
          failed,
          p50Micros / 1000.0,
          p99Micros / 1000.0,
          maxMicros / 1000.0,
          failures.isEmpty() ? "" : " failures=" + failures);
    }
  }

  private final String name;
  private final int port;
  private final String request;
  private final int rate;
  private final Duration duration;
  private final int connections;
  private final LongAdder sent = new LongAdder();
  private final LongAdder ok = new LongAdder();
  private final Map<String, LongAdder> failures = new ConcurrentHashMap<>();
  private final List<long[]> latencies = new CopyOnWriteArrayList<>();

  /**
   * @param host the {@code Host} of every request
   */
  Load(String name, int port, String host, int rate, Duration duration, int connections) {
    this.name = name;
    this.port = port;
    this.request = "GET /load HTTP/1.1\r\nHost: " + host + "\r\n\r\n";
    this.rate = rate;
    this.duration = duration;
    this.connections = connections;
  }

  /** Runs to the end of the duration plus the last responses, prints and records the result. */
  /** Runs the load on a virtual thread; the future completes with its result. */
  java.util.concurrent.CompletableFuture<Result> start() {
    return java.util.concurrent.CompletableFuture.supplyAsync(
        () -> {
          try {
            return run();
          } catch (InterruptedException e) {
            throw new IllegalStateException(e);
          }
        },
        Thread.ofVirtual()::start);
  }

  Result run() throws InterruptedException {
    long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
    long total = rate * duration.toSeconds();
    List<Thread> workers = new ArrayList<>();
    for (int w = 0; w < connections; w++) {
      int id = w;
      workers.add(Thread.ofVirtual().name("load-" + w).start(() -> work(id, start, total)));
    }
    for (Thread t : workers) {
      t.join();
    }
    long[] all = latencies.stream().flatMapToLong(Arrays::stream).sorted().toArray();
    Map<String, Long> failed = new TreeMap<>();
    failures.forEach((k, v) -> failed.put(k, v.sum()));
    long failedCount = failed.values().stream().mapToLong(Long::longValue).sum();
    Result r =
        new Result(
            name,
            rate,
            duration,
            sent.sum(),
            ok.sum(),
            failedCount,
            percentile(all, 0.50),
            percentile(all, 0.99),
            all.length == 0 ? 0 : all[all.length - 1],
            (System.nanoTime() - start) / 1_000_000,
            failed);
    record(r);
    return r;
  }

  private void work(int id, long start, long total) {
    long intervalNanos = TimeUnit.SECONDS.toNanos(1) / rate;
    List<Long> mine = new ArrayList<>();
    Wire wire = null;
    for (long k = id; k < total; k += connections) {
      long due = start + k * intervalNanos;
      long wait = due - System.nanoTime();
      if (wait > 0) {
        // Pacing of an open-loop generator, not synchronisation: the next send is due then.
        LockSupport.parkNanos(wait);
      }
      sent.increment();
      try {
        if (wire == null) {
          wire = new Wire(port);
        }
        Wire.Answer a = wire.exchange(request);
        if (a.status() == 200) {
          ok.increment();
        } else {
          fail("status " + a.status());
        }
        if ("close".equalsIgnoreCase(a.headers().get("connection"))) {
          wire.close();
          wire = null;
        }
      } catch (IOException e) {
        fail(e.getClass().getSimpleName());
        wire = closeQuietly(wire);
      }
      mine.add((System.nanoTime() - due) / 1000);
    }
    closeQuietly(wire);
    latencies.add(mine.stream().mapToLong(Long::longValue).toArray());
  }

  /**
   * Waits until the listener answers 200, then sends {@code count} requests as fast as 10
   * connections go, so the JIT has compiled the request path before anything is measured.
   */
  static void warmUp(int port, String host, int count) throws Exception {
    String request = "GET /warmup HTTP/1.1\r\nHost: " + host + "\r\n\r\n";
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .ignoreExceptions()
        .until(
            () -> {
              try (Wire w = new Wire(port)) {
                return w.exchange(request).status() == 200;
              }
            });
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 10; t++) {
      threads.add(
          Thread.ofVirtual()
              .start(
                  () -> {
                    try (Wire w = new Wire(port)) {
                      for (int i = 0; i < count / 10; i++) {
                        w.exchange(request);
                      }
                    } catch (IOException e) {
                      throw new java.io.UncheckedIOException(e);
                    }
                  }));
    }
    for (Thread t : threads) {
      t.join();
    }
  }

  private void fail(String why) {
    failures.computeIfAbsent(why, k -> new LongAdder()).increment();
  }

  private static Wire closeQuietly(Wire w) {
    if (w != null) {
      try {
        w.close();
      } catch (IOException e) {
        // Already broken; nothing to release.
      }
    }
    return null;
  }

  private static long percentile(long[] sorted, double q) {
    if (sorted.length == 0) {
      return 0;
    }
    int i = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }

  /**
   * Prints the figures and appends them to {@code target/reliability.txt}, which is where {@code
   * docs/reliability.md} takes its numbers from.
   */
  static void record(Result r) {
    record(r.line());
  }

  static void record(String line) {
    System.out.println(line);
    try {
      Files.writeString(
          Path.of("target", "reliability.txt"),
          line + System.lineSeparator(),
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    } catch (IOException e) {
      System.out.println("[reliability] cannot write target/reliability.txt: " + e.getMessage());
    }
  }
}
