package io.nodemesh.testkit;

import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * A grpc-java server with one service, {@code test.Echo}, built from hand-made method descriptors
 * with a byte-array marshaller (no protoc): one method per call type, and one that fails with
 * trailers.
 */
public final class GrpcEcho implements AutoCloseable {
  public static final MethodDescriptor.Marshaller<byte[]> BYTES = GrpcBytes.MARSHALLER;

  public static final MethodDescriptor<byte[], byte[]> UNARY =
      method("Unary", MethodDescriptor.MethodType.UNARY);
  public static final MethodDescriptor<byte[], byte[]> FAIL =
      method("Fail", MethodDescriptor.MethodType.UNARY);
  public static final MethodDescriptor<byte[], byte[]> SERVER_STREAM =
      method("ServerStream", MethodDescriptor.MethodType.SERVER_STREAMING);
  public static final MethodDescriptor<byte[], byte[]> CLIENT_STREAM =
      method("ClientStream", MethodDescriptor.MethodType.CLIENT_STREAMING);
  public static final MethodDescriptor<byte[], byte[]> BIDI =
      method("Bidi", MethodDescriptor.MethodType.BIDI_STREAMING);

  public static final MethodDescriptor<byte[], byte[]> SINK =
      method("Sink", MethodDescriptor.MethodType.CLIENT_STREAMING);
  public static final MethodDescriptor<byte[], byte[]> SOURCE =
      method("Source", MethodDescriptor.MethodType.SERVER_STREAMING);

  /** {@code Source} calls the client cancelled, as the server saw them. */
  public final java.util.concurrent.atomic.AtomicInteger cancelled =
      new java.util.concurrent.atomic.AtomicInteger();

  /** Pause after each message {@code Sink} receives: a server slower than its client. */
  public static volatile long sinkPauseMicros;

  public static final Metadata.Key<String> REASON =
      Metadata.Key.of("x-reason", Metadata.ASCII_STRING_MARSHALLER);

  /**
   * Each call as the server saw it: {@code <client address> as <x-nodemesh-peer-identity>} (null
   * when the field is absent).
   */
  public final java.util.Queue<String> callers = new java.util.concurrent.ConcurrentLinkedQueue<>();

  /** The client port of each call: how many connections the calls came on. */
  public final java.util.Set<Integer> clientPorts =
      java.util.concurrent.ConcurrentHashMap.newKeySet();

  private static final Metadata.Key<String> PEER_IDENTITY =
      Metadata.Key.of("x-nodemesh-peer-identity", Metadata.ASCII_STRING_MARSHALLER);

  private final Server server;

  /** Plain text HTTP/2 (h2c) when {@code tls} is null. */
  public GrpcEcho(SslContext tls) throws IOException {
    NettyServerBuilder b =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(io.grpc.ServerInterceptors.intercept(service(), this::record));
    if (tls != null) {
      b.sslContext(tls);
    }
    server = b.build().start();
  }

  private <Q, R> io.grpc.ServerCall.Listener<Q> record(
      io.grpc.ServerCall<Q, R> call, Metadata headers, io.grpc.ServerCallHandler<Q, R> next) {
    if (call.getAttributes().get(io.grpc.Grpc.TRANSPORT_ATTR_REMOTE_ADDR)
        instanceof InetSocketAddress a) {
      callers.add(a.getAddress().getHostAddress() + " as " + headers.get(PEER_IDENTITY));
      clientPorts.add(a.getPort());
    }
    return next.startCall(call, headers);
  }

  public int port() {
    return server.getPort();
  }

  private static MethodDescriptor<byte[], byte[]> method(
      String name, MethodDescriptor.MethodType type) {
    return GrpcBytes.method("test.Echo", name, type);
  }

  public static byte[] utf8(String s) {
    return GrpcBytes.utf8(s);
  }

  public static String text(byte[] b) {
    return GrpcBytes.text(b);
  }

  private ServerServiceDefinition service() {
    return ServerServiceDefinition.builder("test.Echo")
        .addMethod(
            UNARY,
            ServerCalls.asyncUnaryCall(
                (req, out) -> {
                  out.onNext(utf8("echo:" + text(req)));
                  out.onCompleted();
                }))
        .addMethod(
            FAIL,
            ServerCalls.asyncUnaryCall(
                (req, out) -> {
                  Metadata trailers = new Metadata();
                  trailers.put(REASON, "asked-to-fail");
                  out.onError(
                      Status.NOT_FOUND
                          .withDescription("no such thing: " + text(req))
                          .asRuntimeException(trailers));
                }))
        .addMethod(
            SERVER_STREAM,
            ServerCalls.asyncServerStreamingCall(
                (req, out) -> {
                  int n = Integer.parseInt(text(req));
                  for (int i = 0; i < n; i++) {
                    out.onNext(utf8("item-" + i));
                  }
                  out.onCompleted();
                }))
        .addMethod(
            CLIENT_STREAM,
            ServerCalls.asyncClientStreamingCall(
                out ->
                    new StreamObserver<byte[]>() {
                      private long count;
                      private long bytes;

                      @Override
                      public void onNext(byte[] value) {
                        count++;
                        bytes += value.length;
                      }

                      @Override
                      public void onError(Throwable t) {}

                      @Override
                      public void onCompleted() {
                        out.onNext(utf8(count + " messages, " + bytes + " bytes"));
                        out.onCompleted();
                      }
                    }))
        .addMethod(
            SINK,
            ServerCalls.asyncClientStreamingCall(
                out ->
                    new StreamObserver<byte[]>() {
                      private long bytes;

                      @Override
                      public void onNext(byte[] value) {
                        bytes += value.length;
                        long pause = sinkPauseMicros;
                        if (pause > 0) {
                          java.util.concurrent.locks.LockSupport.parkNanos(pause * 1000);
                        }
                      }

                      @Override
                      public void onError(Throwable t) {}

                      @Override
                      public void onCompleted() {
                        out.onNext(utf8(Long.toString(bytes)));
                        out.onCompleted();
                      }
                    }))
        .addMethod(
            SOURCE,
            ServerCalls.asyncServerStreamingCall(
                (req, out) -> {
                  // "count:size"; sent only while the transport is ready, so this server does
                  // not buffer what the proxy has not taken.
                  String[] f = text(req).split(":");
                  long count = Long.parseLong(f[0]);
                  byte[] block = new byte[Integer.parseInt(f[1])];
                  var call = (io.grpc.stub.ServerCallStreamObserver<byte[]>) out;
                  long[] sent = {0};
                  boolean[] done = {false};
                  call.setOnCancelHandler(cancelled::incrementAndGet);
                  call.setOnReadyHandler(
                      () -> {
                        while (call.isReady() && sent[0] < count) {
                          call.onNext(block);
                          sent[0]++;
                        }
                        if (sent[0] == count && !done[0]) {
                          done[0] = true;
                          call.onCompleted();
                        }
                      });
                }))
        .addMethod(
            BIDI,
            ServerCalls.asyncBidiStreamingCall(
                out ->
                    new StreamObserver<byte[]>() {
                      @Override
                      public void onNext(byte[] value) {
                        out.onNext(utf8("pong:" + text(value)));
                      }

                      @Override
                      public void onError(Throwable t) {}

                      @Override
                      public void onCompleted() {
                        out.onCompleted();
                      }
                    }))
        .build();
  }

  @Override
  public void close() {
    try {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
