package io.nodemesh.bench;

import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import io.nodemesh.testkit.GrpcBytes;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * The gRPC backend of {@code bench/peers}: a grpc-java server (h2c) with one unary method, {@code
 * bench.Echo/Unary}, that answers every request with the same short message. Messages are raw bytes
 * (no protoc, {@link GrpcBytes}): h2load sends a hand-made length-prefixed frame and checks only
 * the status.
 *
 * <p>{@code GrpcBackend HOST PORT}; prints {@code ready} once it listens. Runs on a direct executor
 * (the call is answered on the transport's event loop, as a real lightweight service would be on a
 * tuned server), so the backend costs as little as grpc-java allows.
 */
public final class GrpcBackend {
  static final String SERVICE = "bench.Echo";
  static final byte[] ANSWER = "hello from the grpc backend".getBytes(StandardCharsets.UTF_8);

  static final MethodDescriptor<byte[], byte[]> UNARY =
      GrpcBytes.method(SERVICE, "Unary", MethodDescriptor.MethodType.UNARY);

  private GrpcBackend() {}

  /** Starts the server on {@code host:port} (0 = ephemeral). */
  static Server start(String host, int port) throws IOException {
    ServerServiceDefinition echo =
        ServerServiceDefinition.builder(SERVICE)
            .addMethod(
                UNARY,
                ServerCalls.asyncUnaryCall(
                    (request, response) -> {
                      response.onNext(ANSWER);
                      response.onCompleted();
                    }))
            .build();
    return NettyServerBuilder.forAddress(new InetSocketAddress(host, port))
        .directExecutor()
        .addService(echo)
        .build()
        .start();
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      System.err.println("usage: GrpcBackend HOST PORT");
      System.exit(2);
    }
    Server server = start(args[0], Integer.parseInt(args[1]));
    Runtime.getRuntime().addShutdownHook(new Thread(server::shutdownNow));
    System.out.println("ready on " + args[0] + ":" + server.getPort());
    server.awaitTermination();
  }
}
