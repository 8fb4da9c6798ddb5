package io.nodemesh.proxy.identity;

import io.nodemesh.config.MeshConfigJson;
import io.nodemesh.config.identity.CertificateRequest;
import io.nodemesh.config.identity.CertificateResponse;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import javax.net.ssl.SSLContext;

/**
 * Asks the controller's CA over its TLS API ({@code POST /api/v1/certificates}), with the proxy's
 * CA token: a projected ServiceAccount token of audience {@code nodemesh-ca}, read from its file on
 * every request because the kubelet rotates it.
 */
public final class CertificateClient implements CertificateSource {
  public static final String PATH = "/api/v1/certificates";
  private static final int MAX_ANSWER_BYTES = 64 * 1024;
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private final URI uri;
  private final Path tokenFile;
  private final HttpClient http;

  /**
   * @param controller the controller's base URI ({@code https://...})
   * @param tokenFile the CA token
   * @param tls the trust of {@code --controller-ca}
   */
  public CertificateClient(URI controller, Path tokenFile, SSLContext tls) {
    this.uri = controller.resolve(PATH);
    this.tokenFile = Objects.requireNonNull(tokenFile, "CA token file");
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(TIMEOUT)
            .sslContext(Objects.requireNonNull(tls, "controller TLS"))
            .build();
  }

  @Override
  public CertificateResponse request(CertificateRequest request) throws IOException {
    String token = Files.readString(tokenFile).strip();
    HttpRequest req =
        HttpRequest.newBuilder(uri)
            .timeout(TIMEOUT)
            .header("Content-Type", "application/json")
            .header("Authorization", "Bearer " + token)
            .POST(
                HttpRequest.BodyPublishers.ofByteArray(
                    MeshConfigJson.mapper().writeValueAsBytes(request)))
            .build();
    HttpResponse<InputStream> resp;
    try {
      resp = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    byte[] body;
    try (InputStream in = resp.body()) {
      body = in.readNBytes(MAX_ANSWER_BYTES + 1);
    }
    if (body.length > MAX_ANSWER_BYTES) {
      throw new IOException("the CA's answer is larger than " + MAX_ANSWER_BYTES + " bytes");
    }
    if (resp.statusCode() != 200) {
      throw new IOException(
          "the CA answered "
              + resp.statusCode()
              + ": "
              + new String(body, 0, Math.min(body.length, 300), StandardCharsets.UTF_8));
    }
    return MeshConfigJson.mapper().readValue(body, CertificateResponse.class);
  }

  /** Closes the HTTP client. */
  public void close() {
    http.close();
  }
}
