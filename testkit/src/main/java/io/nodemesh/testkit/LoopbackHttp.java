package io.nodemesh.testkit;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Plain HTTP GETs to a server on 127.0.0.1, as a test asks an API. */
public final class LoopbackHttp {
  private LoopbackHttp() {}

  /** {@code GET path} on {@code port}, with the field {@code name: value} unless value is null. */
  public static HttpResponse<String> get(
      HttpClient http, int port, String path, String name, String value, Duration timeout)
      throws IOException, InterruptedException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(timeout);
    if (value != null) {
      b.header(name, value);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** {@code POST} of a JSON body to uri, as the bearer of token unless it is null (30 s). */
  public static HttpResponse<String> postJson(HttpClient http, URI uri, String token, String json)
      throws IOException, InterruptedException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(uri)
            .timeout(Duration.ofSeconds(30))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }
}
