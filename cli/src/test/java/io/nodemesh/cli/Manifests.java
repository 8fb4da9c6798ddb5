package io.nodemesh.cli;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The YAML documents and backends the local-mode worlds of the canary and dashboard tests share: a
 * Service with one {@code http} port, its EndpointSlice on one loopback address, and a backend that
 * fails now and then.
 */
final class Manifests {
  private Manifests() {}

  /** Service {@code ns/name}: port {@code http} {@code port} to {@code targetPort}; ends in ---. */
  static String service(String ns, String name, int port, int targetPort) {
    return """
        apiVersion: v1
        kind: Service
        metadata: {name: %s, namespace: %s}
        spec: {ports: [{name: http, port: %d, targetPort: %d}]}
        ---
        """
        .formatted(name, ns, port, targetPort);
  }

  /** The EndpointSlice {@code <service>-a}: one endpoint {@code host}, port http {@code port}. */
  static String slice(String ns, String service, int port, String host) {
    return """
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata:
          name: %1$s-a
          namespace: %2$s
          labels: {kubernetes.io/service-name: %1$s}
        addressType: IPv4
        ports: [{name: http, port: %3$d}]
        endpoints: [{addresses: ["%4$s"]}]
        ---
        """
        .formatted(service, ns, port, host);
  }

  /**
   * A started backend on 127.0.0.1 that answers 500 with {@code failed} to every {@code every}-th
   * request and 200 with {@code ok} to the others; the caller stops it.
   */
  static HttpServer failingEvery(int every, String ok, String failed) throws IOException {
    HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
    AtomicInteger n = new AtomicInteger();
    s.createContext(
        "/",
        ex -> {
          ex.getRequestBody().readAllBytes();
          boolean fail = n.incrementAndGet() % every == 0;
          byte[] body = (fail ? failed : ok).getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(fail ? 500 : 200, body.length);
          ex.getResponseBody().write(body);
          ex.close();
        });
    s.start();
    return s;
  }

  /**
   * Replaces {@code file} with {@code text} atomically, as editors that write a hidden temp file
   * and rename it do: a watcher never reads half a file.
   */
  static void replace(Path file, String text) {
    try {
      Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
      Files.writeString(tmp, text);
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
