package io.nodemesh.cli;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/** Test traffic: counts which backend answered, and a background keep-alive load. */
final class Traffic {
  private Traffic() {}

  static HttpClient client() {
    return HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(2))
        .build();
  }

  static HttpClient viaProxy(int proxyPort) {
    return HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .proxy(java.net.ProxySelector.of(new java.net.InetSocketAddress("127.0.0.1", proxyPort)))
        .connectTimeout(Duration.ofSeconds(2))
        .build();
  }

  /** The answer of one request: the backend's name, or what went wrong. */
  static String once(HttpClient client, URI uri) {
    try {
      HttpResponse<String> r =
          client.send(
              HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
              HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200
          ? r.body().strip()
          : "HTTP " + r.statusCode() + " " + r.body().strip();
    } catch (IOException e) {
      return "error " + e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }

  /** The status of one GET of {@code path} at 127.0.0.1:{@code port}; -1 when none came. */
  static int status(HttpClient client, int port, String path, Duration timeout) {
    try {
      return client
          .send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                  .timeout(timeout)
                  .build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (Exception e) {
      return -1;
    }
  }

  /** Sends {@code n} sequential keep-alive requests and counts the answers. */
  static Map<String, Integer> split(URI uri, int n) {
    HttpClient client = client();
    Map<String, Integer> seen = new TreeMap<>();
    for (int i = 0; i < n; i++) {
      seen.merge(once(client, uri), 1, Integer::sum);
    }
    return seen;
  }

  /** Keep-alive clients that send requests until closed, recording every answer. */
  static final class Load implements AutoCloseable {
    final Map<String, AtomicInteger> answers = new ConcurrentHashMap<>();
    final AtomicInteger sent = new AtomicInteger();
    private String last = "";
    private int streak;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread[] threads;

    Load(URI uri, int clients) {
      this(uri, clients, -1);
    }

    /** With {@code proxyPort >= 0} the clients use 127.0.0.1:proxyPort as their HTTP proxy. */
    Load(URI uri, int clients, int proxyPort) {
      threads = new Thread[clients];
      for (int i = 0; i < clients; i++) {
        threads[i] =
            Thread.ofPlatform()
                .name("load-" + i)
                .start(
                    () -> {
                      HttpClient client = proxyPort < 0 ? client() : viaProxy(proxyPort);
                      while (running.get()) {
                        String answer = once(client, uri);
                        record(answer);
                        answers.computeIfAbsent(answer, k -> new AtomicInteger()).incrementAndGet();
                        sent.incrementAndGet();
                      }
                    });
      }
    }

    private synchronized void record(String answer) {
      streak = answer.equals(last) ? streak + 1 : 1;
      last = answer;
    }

    /** How many answers in a row, up to now, were {@code answer}. */
    synchronized int streakOf(String answer) {
      return answer.equals(last) ? streak : 0;
    }

    /** Answers that were not a backend name (status codes, I/O errors). */
    Map<String, Integer> failures(java.util.Set<String> backends) {
      Map<String, Integer> failed = new TreeMap<>();
      answers.forEach(
          (k, v) -> {
            if (!backends.contains(k)) {
              failed.put(k, v.get());
            }
          });
      return failed;
    }

    @Override
    public void close() throws InterruptedException {
      running.set(false);
      for (Thread t : threads) {
        t.join(10_000);
      }
    }
  }

  /**
   * Runs the CLI {@code command} while a load calls {@code round} (with a growing index) over and
   * over, until the command returns: what a tap or top needs to see requests.
   */
  static CliTest.Result whileFlowing(IntConsumer round, String... command) throws Exception {
    AtomicBoolean done = new AtomicBoolean();
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      Future<?> load =
          pool.submit(
              () -> {
                for (int i = 0; !done.get(); i++) {
                  round.accept(i);
                }
              });
      try {
        return pool.submit(() -> CliTest.run(command)).get(60, TimeUnit.SECONDS);
      } finally {
        done.set(true);
        load.get(10, TimeUnit.SECONDS);
      }
    }
  }
}
