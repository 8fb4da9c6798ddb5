package io.nodemesh.proxy.tunnel;

import static io.nodemesh.testkit.GrpcEcho.text;
import static io.nodemesh.testkit.GrpcEcho.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.nodemesh.config.AccessConfig;
import io.nodemesh.config.AccessGrant;
import io.nodemesh.config.HttpMatch;
import io.nodemesh.config.ListenerAccess;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.Protocol;
import io.nodemesh.config.Scheme;
import io.nodemesh.config.ServicePolicy;
import io.nodemesh.config.tunnel.MtlsMode;
import io.nodemesh.proxy.TestCerts;
import io.nodemesh.testkit.GrpcEcho;
import io.nodemesh.testkit.GrpcReplies;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * gRPC (an h2c backend, {@code nodemesh.io/scheme: h2c}) to a pod on another node, in strict mode
 * (issue 14): each call rides the tunnel as an HTTP/2 request that node b's proxy matches and sends
 * to the pod in h2c; trailers, streams both ways, a large message and a deadline's reset survive.
 */
class GrpcTunnelIT {
  private static final String WEB = "spiffe://" + TwoNodes.TD + "/ns/shop/sa/web";

  private final TwoNodes nodes;
  private final GrpcEcho pod;
  private final ListenerConfig listener;
  private final ManagedChannel channel;

  GrpcTunnelIT() throws Exception {
    nodes = new TwoNodes();
    pod = new GrpcEcho(null);
    int port = TwoNodes.freePort(TwoNodes.A);
    listener = TwoNodes.db(Protocol.HTTP, port, pod.port(), new ServicePolicy(Scheme.H2C));
    // The client is pod shop/web (127.0.0.21) on node a, calling node a's proxy.
    channel = TwoNodes.grpcFrom("127.0.0.21", port);
  }

  @AfterEach
  void stop() {
    // The proxies first: the channel then has nothing left to wait for.
    try (pod;
        nodes) {
      channel.shutdownNow();
    }
  }

  private String unary(String message) {
    return text(
        ClientCalls.blockingUnaryCall(
            channel, GrpcEcho.UNARY, GrpcReplies.within20s(), utf8(message)));
  }

  @Test
  void grpcCallsRideTheTunnelWithTheirTrailersAndStreams() throws Exception {
    nodes.apply(MtlsMode.STRICT, listener);

    assertThat(unary("hi")).isEqualTo("echo:hi");

    List<String> items = new ArrayList<>();
    Iterator<byte[]> it =
        ClientCalls.blockingServerStreamingCall(
            channel, GrpcEcho.SERVER_STREAM, GrpcReplies.within20s(), utf8("50"));
    it.forEachRemaining(b -> items.add(text(b)));
    assertThat(items).hasSize(50).startsWith("item-0").endsWith("item-49");

    // grpc-status, its message and a custom trailer come back from the pod through both proxies.
    StatusRuntimeException failed =
        catchThrowableOfType(
            StatusRuntimeException.class,
            () ->
                ClientCalls.blockingUnaryCall(
                    channel, GrpcEcho.FAIL, GrpcReplies.within20s(), utf8("x")));
    assertThat(failed.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(failed.getStatus().getDescription()).isEqualTo("no such thing: x");
    Metadata trailers = failed.getTrailers();
    assertThat(trailers.get(GrpcEcho.REASON)).isEqualTo("asked-to-fail");

    // Streaming both ways: every ping answered on the same stream before the client half-closes.
    GrpcReplies pongs = new GrpcReplies();
    StreamObserver<byte[]> pings =
        ClientCalls.asyncBidiStreamingCall(
            channel.newCall(GrpcEcho.BIDI, GrpcReplies.within20s()), pongs);
    for (int i = 0; i < 5; i++) {
      pings.onNext(utf8("p" + i));
      int n = i + 1;
      await().atMost(Duration.ofSeconds(20)).until(() -> pongs.replies.size() == n);
    }
    pings.onCompleted();
    pongs.ended.get(20, TimeUnit.SECONDS);
    assertThat(pongs.replies)
        .containsExactly("pong:p0", "pong:p1", "pong:p2", "pong:p3", "pong:p4");

    // A large message (3 MiB, under gRPC's 4 MiB default) both ways, byte-exact.
    byte[] big = new byte[3 << 20];
    Arrays.fill(big, (byte) 'z');
    big[big.length - 1] = '!';
    byte[] echoed =
        ClientCalls.blockingUnaryCall(channel, GrpcEcho.UNARY, GrpcReplies.within20s(), big);
    assertThat(echoed.length).isEqualTo(big.length + "echo:".length());
    assertThat(echoed[echoed.length - 1]).isEqualTo((byte) '!');

    // Every call reached the pod through node b's proxy, as the caller's verified identity.
    assertThat(pod.callers).hasSize(5).allMatch(c -> c.endsWith(" as " + WEB));
    assertThat(pod.callers).noneMatch(c -> c.startsWith("127.0.0.21 "));
    // All five on one h2c connection from node b's proxy, a stream each (before: five connections).
    assertThat(pod.clientPorts).hasSize(1);
    assertThat(TwoNodes.relayed(nodes.b, TwoNodes.B, "h2c")).isEqualTo(5);
    assertThat(TwoNodes.relayed(nodes.a, TwoNodes.A, "h2c")).isZero();
  }

  /**
   * An https pod (gRPC over TLS, which negotiates {@code h2} by ALPN) on node b: each call rides a
   * CONNECT stream with the application's TLS inside the tunnel's, and node b relays it as {@code
   * https} (before, strict mode refused it with 502).
   */
  @Test
  void grpcToAnHttpsPodRidesTheTunnelInsideItsOwnTls(@TempDir Path dir) throws Exception {
    TestCerts certs = new TestCerts(dir);
    int port = TwoNodes.freePort(TwoNodes.A);
    ManagedChannel overTls = TwoNodes.grpcFrom("127.0.0.21", port);
    try (AutoCloseable trusted = certs.trustedByDefault();
        GrpcEcho tlsPod =
            new GrpcEcho(
                GrpcSslContexts.configure(SslContextBuilder.forServer(certs.keyManagers()))
                    .build())) {
      nodes.apply(
          MtlsMode.STRICT,
          TwoNodes.db(Protocol.HTTP, port, tlsPod.port(), new ServicePolicy(Scheme.HTTPS)));
      for (int i = 0; i < 3; i++) {
        byte[] r =
            ClientCalls.blockingUnaryCall(
                overTls, GrpcEcho.UNARY, GrpcReplies.within20s(), utf8("tls" + i));
        assertThat(text(r)).isEqualTo("echo:tls" + i);
      }
      assertThat(tlsPod.callers).hasSize(3);
    } finally {
      overTls.shutdownNow();
    }
    assertThat(TwoNodes.relayed(nodes.b, TwoNodes.B, "https")).isEqualTo(3);
    assertThat(TwoNodes.relayed(nodes.a, TwoNodes.A, "https")).isZero();
  }

  /** A deadline that passes resets the stream at every hop: the pod sees the call cancelled. */
  @Test
  void aPassedDeadlineCancelsTheCallAtThePod() {
    nodes.apply(MtlsMode.STRICT, listener);
    // A first call sets the tunnel up, so the deadline below is spent streaming, not handshaking.
    assertThat(unary("w")).isEqualTo("echo:w");
    long[] received = {0};
    Iterator<byte[]> endless =
        ClientCalls.blockingServerStreamingCall(
            channel,
            GrpcEcho.SOURCE,
            CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS),
            utf8("1000000000:1024"));
    StatusRuntimeException e =
        catchThrowableOfType(
            StatusRuntimeException.class, () -> endless.forEachRemaining(b -> received[0]++));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    assertThat(received[0]).as("messages streamed before the deadline").isPositive();
    await().atMost(Duration.ofSeconds(20)).until(() -> pod.cancelled.get() == 1);
  }

  /**
   * Access decided at the destination, per request, on the certificate's identity: shop/web may
   * call {@code test.Echo/Unary} only. Node a lets everything through, node b refuses the rest.
   */
  @Test
  void theDestinationAllowsOnlyTheGrantedMethod() {
    AccessConfig onlyUnary =
        new AccessConfig(
            true,
            Map.of("127.0.0.21", "shop/web", "127.0.0.1", "shop/db"),
            List.of(
                new ListenerAccess(
                    listener.key(),
                    List.of("shop/db"),
                    List.of(
                        new AccessGrant(
                            "shop/unary-only",
                            "HTTPRouteGroup shop/echo",
                            "shop/db",
                            List.of("shop/web"),
                            List.of(
                                new HttpMatch(
                                    "echo/unary",
                                    "/test\\.Echo/Unary",
                                    List.of("POST"),
                                    Map.of())))))));
    nodes.apply(MtlsMode.STRICT, onlyUnary, listener);

    assertThat(unary("ok")).isEqualTo("echo:ok");
    StatusRuntimeException denied =
        catchThrowableOfType(
            StatusRuntimeException.class,
            () ->
                ClientCalls.blockingServerStreamingCall(
                        channel, GrpcEcho.SERVER_STREAM, GrpcReplies.within20s(), utf8("3"))
                    .forEachRemaining(b -> {}));
    // The destination's 403 becomes PERMISSION_DENIED (gRPC's HTTP status mapping).
    assertThat(denied.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(pod.callers).hasSize(1);
  }
}
