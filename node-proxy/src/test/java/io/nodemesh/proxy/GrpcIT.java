package io.nodemesh.proxy;

import static io.nodemesh.proxy.Configs.config;
import static io.nodemesh.proxy.Configs.freePort;
import static io.nodemesh.proxy.Configs.local;
import static io.nodemesh.testkit.GrpcEcho.text;
import static io.nodemesh.testkit.GrpcEcho.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.testkit.GrpcEcho;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * gRPC through the proxy with grpc-java on both sides: the client speaks h2c with prior knowledge
 * to the listener, the listener's scheme is {@code h2c}, so the proxy speaks HTTP/2 to the server.
 */
class GrpcIT {
  private GrpcEcho server;
  private NodeProxy proxy;
  private ManagedChannel channel;
  private int port;

  @BeforeEach
  void start() throws Exception {
    server = new GrpcEcho(null);
    proxy = NodeProxy.start(local());
    port = freePort();
    proxy.apply(
        config(
            1,
            Listeners.grpc(
                "echo", port, RouteConfig.direct(Listeners.loopback("echo", server.port())))));
    channel =
        Grpc.newChannelBuilderForAddress("127.0.0.1", port, InsecureChannelCredentials.create())
            .build();
  }

  @AfterEach
  void stop() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    proxy.close();
    server.close();
  }

  private static CallOptions deadline() {
    return CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  /** gRPC calls through the proxy are counted by gRPC status, besides their HTTP status class. */
  @Test
  void callsAreCountedByGrpcStatus() throws Exception {
    for (int i = 0; i < 3; i++) {
      ClientCalls.blockingUnaryCall(channel, GrpcEcho.UNARY, deadline(), utf8("hi"));
    }
    for (int i = 0; i < 2; i++) {
      assertThat(
              catchThrowableOfType(
                  StatusRuntimeException.class,
                  () ->
                      ClientCalls.blockingUnaryCall(channel, GrpcEcho.FAIL, deadline(), utf8("x"))))
          .isNotNull();
    }
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    Scrape s = Scrape.of(proxy);
    assertThat(s.sum("nodemesh_grpc_responses_total", "backend=echo", "grpc_code=OK"))
        .isEqualTo(3.0);
    assertThat(s.sum("nodemesh_grpc_responses_total", "backend=echo", "grpc_code=NOT_FOUND"))
        .isEqualTo(2.0);
    // gRPC errors travel in a 200 response.
    assertThat(s.sum("nodemesh_requests_total", "backend=echo", "method=POST", "code=200"))
        .isEqualTo(5.0);
  }

  @Test
  void unaryCallsAreAnswered() {
    for (int i = 0; i < 20; i++) {
      byte[] r = ClientCalls.blockingUnaryCall(channel, GrpcEcho.UNARY, deadline(), utf8("hi" + i));
      assertThat(text(r)).isEqualTo("echo:hi" + i);
    }
  }

  @Test
  void anErrorStatusAndItsTrailersReachTheClient() {
    StatusRuntimeException e =
        catchThrowableOfType(
            StatusRuntimeException.class,
            () -> ClientCalls.blockingUnaryCall(channel, GrpcEcho.FAIL, deadline(), utf8("x")));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(e.getStatus().getDescription()).isEqualTo("no such thing: x");
    assertThat(e.getTrailers().get(GrpcEcho.REASON)).isEqualTo("asked-to-fail");
  }

  @Test
  void serverStreamingDeliversEveryMessage() {
    Iterator<byte[]> it =
        ClientCalls.blockingServerStreamingCall(
            channel, GrpcEcho.SERVER_STREAM, deadline(), utf8("500"));
    List<String> got = new ArrayList<>();
    it.forEachRemaining(b -> got.add(text(b)));
    assertThat(got).hasSize(500).startsWith("item-0").endsWith("item-499");
  }

  @Test
  void clientStreamingDeliversEveryMessage() throws Exception {
    CompletableFuture<String> result = new CompletableFuture<>();
    StreamObserver<byte[]> requests =
        ClientCalls.asyncClientStreamingCall(
            channel.newCall(GrpcEcho.CLIENT_STREAM, deadline()), observer(result));
    for (int i = 0; i < 300; i++) {
      requests.onNext(new byte[1000]);
    }
    requests.onCompleted();
    assertThat(result.get(10, TimeUnit.SECONDS)).isEqualTo("300 messages, 300000 bytes");
  }

  @Test
  void bidiStreamingIsInterleavedNotBuffered() throws Exception {
    LinkedBlockingQueue<String> replies = new LinkedBlockingQueue<>();
    CompletableFuture<String> done = new CompletableFuture<>();
    StreamObserver<byte[]> requests =
        ClientCalls.asyncBidiStreamingCall(
            channel.newCall(GrpcEcho.BIDI, deadline()),
            new StreamObserver<>() {
              @Override
              public void onNext(byte[] value) {
                replies.add(text(value));
              }

              @Override
              public void onError(Throwable t) {
                done.completeExceptionally(t);
              }

              @Override
              public void onCompleted() {
                done.complete("completed");
              }
            });
    // Each reply must arrive before the next request is sent: a proxy that waited for the end of
    // the request stream would deadlock this loop.
    for (int i = 0; i < 50; i++) {
      requests.onNext(utf8("ping" + i));
      assertThat(replies.poll(5, TimeUnit.SECONDS)).isEqualTo("pong:ping" + i);
    }
    requests.onCompleted();
    assertThat(done.get(10, TimeUnit.SECONDS)).isEqualTo("completed");
  }

  @Test
  void aClientCancellingAStreamCancelsItAtTheServer() throws Exception {
    // A deadline far beyond the waits below: only the cancellation can end the server's call.
    io.grpc.ClientCall<byte[], byte[]> call =
        channel.newCall(
            GrpcEcho.SOURCE, CallOptions.DEFAULT.withDeadlineAfter(120, TimeUnit.SECONDS));
    java.util.concurrent.atomic.AtomicInteger received =
        new java.util.concurrent.atomic.AtomicInteger();
    CompletableFuture<Status> closed = new CompletableFuture<>();
    call.start(
        new io.grpc.ClientCall.Listener<>() {
          @Override
          public void onMessage(byte[] message) {
            received.incrementAndGet();
            call.request(1);
          }

          @Override
          public void onClose(Status status, io.grpc.Metadata trailers) {
            closed.complete(status);
          }
        },
        new io.grpc.Metadata());
    call.sendMessage(utf8("1000000:1024"));
    call.halfClose();
    call.request(1);
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(10))
        .until(() -> received.get() >= 10);
    call.cancel("test cancels", null);
    assertThat(closed.get(10, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.CANCELLED);
    // The cancellation crossed the proxy: the server saw it on its own stream.
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(10))
        .until(() -> server.cancelled.get() == 1);
  }

  @Test
  void aServerGoneMidStreamEndsTheCallWithAnErrorNotAHang() {
    Iterator<byte[]> it =
        ClientCalls.blockingServerStreamingCall(
            channel, GrpcEcho.SOURCE, deadline(), utf8("1000000:1024"));
    for (int i = 0; i < 10; i++) {
      assertThat(it.next()).hasSize(1024);
    }
    server.close();
    StatusRuntimeException e =
        catchThrowableOfType(
            StatusRuntimeException.class,
            () -> {
              while (it.hasNext()) {
                it.next();
              }
            });
    assertThat(e).as("the stream ended with an error status").isNotNull();
    assertThat(e.getStatus().getCode()).isNotIn(Status.Code.OK, Status.Code.DEADLINE_EXCEEDED);
  }

  /**
   * gRPC's wire format by hand from an HTTP/1.1 client: the h2c backend's trailers come back as
   * chunked trailers.
   */
  @Test
  void anHttp11ClientGetsTheTrailersAsChunkedTrailers() throws Exception {
    byte[] msg = utf8("plain");
    java.io.ByteArrayOutputStream frame = new java.io.ByteArrayOutputStream();
    frame.write(0);
    frame.write(new byte[] {0, 0, 0, (byte) msg.length});
    frame.write(msg);
    byte[] body = frame.toByteArray();
    try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
      s.setSoTimeout(10_000);
      var out = s.getOutputStream();
      out.write(
          ("POST /test.Echo/Unary HTTP/1.1\r\nHost: echo.default.mesh\r\n"
                  + "Content-Type: application/grpc\r\nTE: trailers\r\nConnection: TE\r\n"
                  + "Content-Length: "
                  + body.length
                  + "\r\n\r\n")
              .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
      out.write(body);
      out.flush();
      String response = readChunkedResponse(s.getInputStream());
      assertThat(response)
          .startsWith("HTTP/1.1 200")
          .containsIgnoringCase("transfer-encoding: chunked");
      assertThat(response).contains("echo:plain");
      // The trailer section follows the last (zero-size) chunk.
      assertThat(response.substring(response.indexOf("\r\n0\r\n")))
          .containsIgnoringCase("grpc-status: 0");
    }
  }

  private static String readChunkedResponse(java.io.InputStream in) throws java.io.IOException {
    StringBuilder sb = new StringBuilder();
    int c;
    while ((c = in.read()) >= 0) {
      sb.append((char) c);
      int zero = sb.indexOf("\r\n0\r\n");
      if (zero >= 0
          && sb.length() >= 4
          && sb.substring(sb.length() - 4).equals("\r\n\r\n")
          && sb.length() > zero + 5) {
        break;
      }
    }
    return sb.toString();
  }

  private static StreamObserver<byte[]> observer(CompletableFuture<String> result) {
    return new StreamObserver<>() {
      @Override
      public void onNext(byte[] value) {
        result.complete(text(value));
      }

      @Override
      public void onError(Throwable t) {
        result.completeExceptionally(t);
      }

      @Override
      public void onCompleted() {}
    };
  }
}
