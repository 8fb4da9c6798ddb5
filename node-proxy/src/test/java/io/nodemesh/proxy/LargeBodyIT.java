package io.nodemesh.proxy;

import static io.nodemesh.proxy.Configs.config;
import static io.nodemesh.proxy.Configs.freePort;
import static io.nodemesh.proxy.Configs.http;
import static org.assertj.core.api.Assertions.assertThat;

import io.nodemesh.config.RouteConfig;
import io.nodemesh.testkit.HttpBackend;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A gibibyte each way through a proxy in a child JVM whose heap is capped at 256 MiB and whose
 * direct memory is capped at 64 MiB: a proxy that held the body (on or off heap) would run out of
 * memory and the transfer would fail. The backend reads slower than the client writes, so the
 * upload only completes if the proxy stops reading from the client while the backend catches up.
 */
class LargeBodyIT {
  static final long HEAP_CAP = 256L << 20;
  static final long DIRECT_CAP = 64L << 20;
  private static final long GIB = 1L << 30;

  @TempDir Path dir;
  @RegisterExtension private final HttpBackend backend = HttpBackend.start("big");
  private ChildProxy.Running child;
  private int port;

  @BeforeEach
  void start() throws Exception {
    port = freePort();
    child =
        new ChildProxy.Running(
            dir,
            config(
                1, http("default", "big", 80, port, RouteConfig.direct(backend.backend("big", 1)))),
            HEAP_CAP,
            DIRECT_CAP);
  }

  @AfterEach
  void stop() {
    if (child != null) {
      child.close();
    }
  }

  @Test
  void aGibibyteUploadAndDownloadStreamWithFlatMemory() throws Exception {
    // About 1 ms per MiB read: the backend is slower than the client.
    backend.readPauseMicros = 1000;
    long t0 = System.nanoTime();
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(120_000);
      OutputStream out = s.getOutputStream();
      out.write(
          ("POST /upload HTTP/1.1\r\nHost: big.default.mesh\r\nContent-Length: " + GIB + "\r\n\r\n")
              .getBytes(StandardCharsets.ISO_8859_1));
      byte[] block = new byte[1 << 16];
      for (long sent = 0; sent < GIB; sent += block.length) {
        block[0] = (byte) sent;
        out.write(block);
      }
      out.flush();
      InputStream in = s.getInputStream();
      String status =
          new BufferedReader(new InputStreamReader(in, StandardCharsets.ISO_8859_1)).readLine();
      assertThat(status).startsWith("HTTP/1.1 200");
    }
    long upload = System.nanoTime() - t0;
    assertThat(backend.lastBodyBytes).isEqualTo(GIB);
    long[] afterUpload = child.stats();

    backend.readPauseMicros = 0;
    backend.responseBytes = GIB;
    long t1 = System.nanoTime();
    HttpResponse<InputStream> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/download"))
                    .build(),
                HttpResponse.BodyHandlers.ofInputStream());
    long received = 0;
    try (InputStream body = r.body()) {
      byte[] buf = new byte[1 << 16];
      int n;
      while ((n = body.read(buf)) >= 0) {
        received += n;
      }
    }
    long download = System.nanoTime() - t1;
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(received).isEqualTo(GIB);
    long[] afterDownload = child.stats();
    System.out.printf(
        "1 GiB upload %.1f s, download %.1f s; child heap peak %d MiB, pooled direct %d MiB%n",
        upload / 1e9,
        download / 1e9,
        Math.max(afterUpload[0], afterDownload[0]) >> 20,
        Math.max(afterUpload[1], afterDownload[1]) >> 20);
    assertThat(Math.max(afterUpload[0], afterDownload[0])).isLessThan(HEAP_CAP);
    assertThat(Math.max(afterUpload[1], afterDownload[1])).isLessThan(DIRECT_CAP);
  }
}
