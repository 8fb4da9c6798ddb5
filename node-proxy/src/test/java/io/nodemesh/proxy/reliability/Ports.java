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

  /** Whether a connect to {@code 127.0.0.1:port} is refused (nothing listens there any more). */
  static boolean refused(int port) {
    try (java.net.Socket s = new java.net.Socket()) {
      s.connect(new java.net.InetSocketAddress("127.0.0.1", port), 500);
      return false;
    } catch (java.net.ConnectException e) {
      return true;
    } catch (IOException e) {
      return false;
    }
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
