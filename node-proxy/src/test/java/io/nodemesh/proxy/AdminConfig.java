package io.nodemesh.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** Reads the proxy's admin {@code /config}, as an operator would. */
final class AdminConfig {
  private AdminConfig() {}

  static JsonNode read(NodeProxy proxy) throws IOException, InterruptedException {
    try (HttpClient http = HttpClient.newHttpClient()) {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(
                      URI.create("http://127.0.0.1:" + proxy.adminPort() + "/config"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return new ObjectMapper().readTree(r.body());
    }
  }

  /** The first entry of the {@code listeners} array. */
  static JsonNode firstListener(NodeProxy proxy) throws IOException, InterruptedException {
    return read(proxy).get("listeners").get(0);
  }
}
