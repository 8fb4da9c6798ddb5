package io.nodemesh.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ProtocolException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The proxy's HTTP/1.1 client of the controller against a scripted server on a real loopback
 * socket: message framing (RFC 9112 section 6), connection reuse, and what a broken or hostile peer
 * may send.
 */
class ControllerHttpTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(5);

  /** The answers the server gives, one per request, in order; null closes the connection. */
  private final LinkedBlockingQueue<String> answers = new LinkedBlockingQueue<>();

  private final List<String> requests = new CopyOnWriteArrayList<>();
  private final AtomicInteger connections = new AtomicInteger();
  private ServerSocket server;
  private ControllerHttp client;

  @BeforeEach
  void start() throws IOException {
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread.ofVirtual().start(this::accept);
    client = new ControllerHttp(URI.create("http://127.0.0.1:" + server.getLocalPort()), null);
  }

  @AfterEach
  void stop() throws IOException {
    client.close();
    server.close();
  }

  private void accept() {
    try {
      for (Socket s = server.accept(); ; s = server.accept()) {
        connections.incrementAndGet();
        Socket accepted = s;
        Thread.ofVirtual().start(() -> serve(accepted));
      }
    } catch (IOException closed) {
      // the test is over
    }
  }

  /** Reads each request head (and a Content-Length body) and writes the next scripted answer. */
  private void serve(Socket s) {
    try (s;
        BufferedReader in =
            new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8))) {
      OutputStream out = s.getOutputStream();
      while (true) {
        StringBuilder head = new StringBuilder();
        int length = 0;
        for (String l = in.readLine(); l != null && !l.isEmpty(); l = in.readLine()) {
          head.append(l).append('\n');
          if (l.regionMatches(true, 0, "Content-Length:", 0, 15)) {
            length = Integer.parseInt(l.substring(15).strip());
          }
        }
        if (head.isEmpty()) {
          return;
        }
        char[] body = new char[length];
        for (int n = 0; n < length; ) {
          n += in.read(body, n, length - n);
        }
        requests.add(head + new String(body));
        String answer = answers.poll(5, TimeUnit.SECONDS);
        if (answer == null || answer.isEmpty()) {
          return;
        }
        out.write(answer.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private String get(String target) throws IOException {
    try (ControllerHttp.Response r = client.exchange("GET", target, Map.of(), null, TIMEOUT)) {
      return r.status() + " " + new String(r.body().readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void readsChunkedAndSizedBodiesOnOneKeptConnection() throws IOException {
    answers.add(
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nETag: \"7\"\r\n\r\n"
            + "5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nTrailer: x\r\n\r\n");
    answers.add("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc");
    answers.add("HTTP/1.1 304 Not Modified\r\nETag: \"7\"\r\n\r\n");

    assertThat(get("/a?wait=1")).isEqualTo("200 hello, world");
    assertThat(get("/b")).isEqualTo("200 abc");
    assertThat(get("/c")).isEqualTo("304 ");

    assertThat(connections.get()).as("one connection for all three").isEqualTo(1);
    assertThat(requests.get(0))
        .startsWith("GET /a?wait=1 HTTP/1.1\nHost: 127.0.0.1:" + server.getLocalPort() + "\n");
  }

  @Test
  void sendsABodyWithItsLengthAndTheFieldsGiven() throws IOException {
    answers.add("HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n");
    byte[] body = "{\"n\":1}".getBytes(StandardCharsets.UTF_8);
    try (ControllerHttp.Response r =
        client.exchange("POST", "/api/v1/report", Map.of("X-Nodemesh-Node", "n1"), body, TIMEOUT)) {
      assertThat(r.status()).isEqualTo(202);
    }
    assertThat(requests.get(0))
        .contains("POST /api/v1/report HTTP/1.1", "X-Nodemesh-Node: n1", "Content-Length: 7")
        .endsWith("\n{\"n\":1}");
  }

  @Test
  void aGetOnAConnectionTheControllerClosedIsSentAgainOnANewOne() throws IOException {
    answers.add("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nv1");
    answers.add(""); // the server closes the kept connection when the next request comes
    answers.add("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nv2");

    assertThat(get("/config")).isEqualTo("200 v1");
    assertThat(get("/config")).isEqualTo("200 v2");
    assertThat(connections.get()).isEqualTo(2);
  }

  @Test
  void connectionCloseIsHonouredAndAnUnreadBodyDoesNotCostTheConnection() throws IOException {
    answers.add("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\na");
    answers.add("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nbcd");
    answers.add("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\ne");

    assertThat(get("/1")).isEqualTo("200 a");
    try (ControllerHttp.Response r = client.exchange("GET", "/2", Map.of(), null, TIMEOUT)) {
      assertThat(r.body().read()).isEqualTo('b'); // the rest is left unread
    }
    assertThat(get("/3")).isEqualTo("200 e");
    // The whole answer arrives before the exchange returns, so an unread rest is no reason to
    // drop the connection; "Connection: close" is.
    assertThat(connections.get()).isEqualTo(2);
  }

  @Test
  void aHeadWithoutEndIsRefusedAtItsBound() {
    answers.add("HTTP/1.1 200 OK\r\nX-Long: " + "a".repeat(9_000) + "\r\n\r\n");
    assertThatThrownBy(() -> get("/"))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("too large");
    answers.add("HTTP/1.1 200 OK\r\n" + "X-Many: b\r\n".repeat(7_000) + "\r\n");
    assertThatThrownBy(() -> get("/"))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("too large");
  }

  @Test
  void aBodyPastTheBoundIsRefusedWithItsHeadKept() throws IOException {
    try (ControllerHttp small =
        new ControllerHttp(URI.create("http://127.0.0.1:" + server.getLocalPort()), null, 16)) {
      answers.add("HTTP/1.1 200 OK\r\nETag: \"9\"\r\nContent-Length: 17\r\n\r\n" + "x".repeat(17));
      assertThatThrownBy(() -> small.exchange("GET", "/", Map.of(), null, TIMEOUT))
          .isInstanceOfSatisfying(
              ControllerHttp.BodyTooLarge.class,
              e -> assertThat(e.header("etag")).isEqualTo("\"9\""))
          .hasMessageContaining("larger than 16 bytes");
      answers.add(
          "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n"
              + "y".repeat(16)
              + "\r\n1\r\ny\r\n0\r\n\r\n");
      assertThatThrownBy(() -> small.exchange("GET", "/", Map.of(), null, TIMEOUT))
          .isInstanceOf(ControllerHttp.BodyTooLarge.class);
      answers.add("HTTP/1.1 200 OK\r\nContent-Length: 16\r\n\r\n" + "z".repeat(16));
      try (ControllerHttp.Response r = small.exchange("GET", "/", Map.of(), null, TIMEOUT)) {
        assertThat(r.body().readAllBytes()).hasSize(16);
      }
    }
  }

  @Test
  void closeFromAnotherThreadAbortsAnExchangeWaitingForItsAnswer() throws Exception {
    answers.add("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nv1");
    assertThat(get("/config")).isEqualTo("200 v1");
    // No answer is queued for the next poll: it waits until the client is closed.
    CompletableFuture<Throwable> failed = new CompletableFuture<>();
    Thread.ofVirtual()
        .start(
            () -> {
              try {
                get("/config");
                failed.complete(null);
              } catch (IOException e) {
                failed.complete(e);
              }
            });
    await().atMost(TIMEOUT).until(() -> requests.size() == 2);
    client.close();
    // Not the server's own close after its 5 s wait, which would end in a fresh connection.
    assertThat(failed.get(30, TimeUnit.SECONDS)).hasMessage("client closed");
    assertThat(connections.get()).isEqualTo(1);
  }

  @Test
  void malformedFramingIsRefused() {
    answers.add("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n");
    assertThatThrownBy(() -> get("/")).isInstanceOf(ProtocolException.class);
    answers.add("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");
    assertThatThrownBy(() -> get("/")).isInstanceOf(ProtocolException.class);
    answers.add("SSH-2.0-OpenSSH\r\n\r\n");
    assertThatThrownBy(() -> get("/")).isInstanceOf(ProtocolException.class);
  }

  @Test
  void aFieldValueWithALineBreakIsNeverSent() {
    // A token file holding "t\r\nX-Admin: 1" must not add a field to the request.
    assertThatThrownBy(
            () ->
                client.exchange(
                    "GET", "/", Map.of("Authorization", "Bearer t\r\nX-Admin: 1"), null, TIMEOUT))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(requests).isEmpty();
  }
}
