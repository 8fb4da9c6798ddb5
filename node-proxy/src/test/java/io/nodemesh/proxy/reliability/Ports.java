package io.nodemesh.proxy.reliability;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** Free ports and the admin scrape, for the reliability tests. */
final class Ports {
  private Ports() {}

  static int free() {
    return io.nodemesh.testkit.Loopback.freePort();
  }

  /** The proxy's Prometheus text from its admin port. */
  static String scrape(int adminPort) throws IOException, InterruptedException {
    try (HttpClient client = HttpClient.newHttpClient()) {
      return client
          .send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/metrics"))
                  .build(),
              HttpResponse.BodyHandlers.ofString())
          .body();
    }
  }
}
