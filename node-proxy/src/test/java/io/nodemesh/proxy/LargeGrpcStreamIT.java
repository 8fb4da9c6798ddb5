package io.nodemesh.proxy;

import static io.nodemesh.proxy.Configs.config;
import static io.nodemesh.proxy.Configs.freePort;
import static io.nodemesh.proxy.LargeBodyIT.DIRECT_CAP;
import static io.nodemesh.proxy.LargeBodyIT.HEAP_CAP;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ClientResponseObserver;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.testkit.GrpcEcho;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * As {@link LargeBodyIT}, over HTTP/2 on both hops (h2c listener, h2c backend), where backpressure
 * is HTTP/2 flow control: 128 MiB of gRPC messages up to a server slower than its client, then 128
 * MiB down, through a proxy capped at 256 MiB heap and 64 MiB direct memory.
 */
class LargeGrpcStreamIT {
  private static final long TOTAL = 128L << 20;
  private static final int SIZE = 256 << 10;

  @TempDir Path dir;
  private GrpcEcho grpc;
  private ChildProxy.Running child;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    grpc = new GrpcEcho(null);
    int port = freePort();
    child =
        new ChildProxy.Running(
            dir,
            config(
                1,
                Listeners.grpc(
                    "stream", port, RouteConfig.direct(Listeners.loopback("stream", grpc.port())))),
            HEAP_CAP,
            DIRECT_CAP);
    channel =
        Grpc.newChannelBuilderForAddress("127.0.0.1", port, InsecureChannelCredentials.create())
            .build();
  }

  @AfterEach
  void stop() throws InterruptedException {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (child != null) {
      child.close();
    }
    grpc.close();
    GrpcEcho.sinkPauseMicros = 0;
  }

  @Test
  void grpcStreamsEachWayWithFlatMemory() throws Exception {
    long count = TOTAL / SIZE;
    GrpcEcho.sinkPauseMicros = 300;
    CallOptions deadline = CallOptions.DEFAULT.withDeadlineAfter(120, TimeUnit.SECONDS);
    CompletableFuture<String> result = new CompletableFuture<>();
    Semaphore ready = new Semaphore(0);
    CompletableFuture<ClientCallStreamObserver<byte[]>> started = new CompletableFuture<>();
    ClientCalls.asyncClientStreamingCall(
        channel.newCall(GrpcEcho.SINK, deadline),
        new ClientResponseObserver<byte[], byte[]>() {
          @Override
          public void beforeStart(ClientCallStreamObserver<byte[]> requests) {
            requests.setOnReadyHandler(ready::release);
            started.complete(requests);
          }

          @Override
          public void onNext(byte[] value) {
            result.complete(GrpcEcho.text(value));
          }

          @Override
          public void onError(Throwable t) {
            result.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {}
        });
    ClientCallStreamObserver<byte[]> requests = started.get(5, TimeUnit.SECONDS);
    byte[] block = new byte[SIZE];
    for (long i = 0; i < count; i++) {
      // Send only while the transport is ready: the client must not buffer either.
      while (!requests.isReady()) {
        ready.tryAcquire(1, TimeUnit.SECONDS);
      }
      requests.onNext(block);
    }
    requests.onCompleted();
    assertThat(result.get(120, TimeUnit.SECONDS)).isEqualTo(Long.toString(TOTAL));
    long[] afterUpload = child.stats();

    Iterator<byte[]> down =
        ClientCalls.blockingServerStreamingCall(
            channel, GrpcEcho.SOURCE, deadline, GrpcEcho.utf8(count + ":" + SIZE));
    long received = 0;
    while (down.hasNext()) {
      received += down.next().length;
    }
    assertThat(received).isEqualTo(TOTAL);
    long[] afterDownload = child.stats();
    System.out.printf(
        "gRPC 128 MiB each way: child heap peak %d MiB, pooled direct %d MiB%n",
        Math.max(afterUpload[0], afterDownload[0]) >> 20,
        Math.max(afterUpload[1], afterDownload[1]) >> 20);
    assertThat(Math.max(afterUpload[0], afterDownload[0])).isLessThan(HEAP_CAP);
    assertThat(Math.max(afterUpload[1], afterDownload[1])).isLessThan(DIRECT_CAP);
  }
}
