package io.nodemesh.proxy;

import static io.nodemesh.proxy.Configs.config;
import static io.nodemesh.proxy.Configs.freePort;
import static io.nodemesh.proxy.Configs.local;
import static io.nodemesh.testkit.GrpcEcho.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.EndpointConfig;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.Protocol;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.config.Scheme;
import io.nodemesh.config.ServicePolicy;
import io.nodemesh.testkit.GrpcEcho;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** gRPC calls through the proxy are counted by gRPC status, besides their HTTP status class. */
class GrpcMetricsIT {
  @Test
  void callsAreCountedByGrpcStatus() throws Exception {
    try (GrpcEcho server = new GrpcEcho(null);
        NodeProxy proxy = NodeProxy.start(local())) {
      int port = freePort();
      BackendConfig b =
          new BackendConfig("echo", 1, List.of(EndpointConfig.ready("127.0.0.1", server.port())));
      proxy.apply(
          config(
              1,
              new ListenerConfig(
                  "default",
                  "echo",
                  50051,
                  Protocol.HTTP,
                  port,
                  RouteConfig.direct(b),
                  new ServicePolicy(Scheme.H2C))));
      ManagedChannel channel =
          Grpc.newChannelBuilderForAddress("127.0.0.1", port, InsecureChannelCredentials.create())
              .build();
      try {
        CallOptions deadline = CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS);
        for (int i = 0; i < 3; i++) {
          ClientCalls.blockingUnaryCall(channel, GrpcEcho.UNARY, deadline, utf8("hi"));
        }
        for (int i = 0; i < 2; i++) {
          assertThat(
                  catchThrowableOfType(
                      StatusRuntimeException.class,
                      () ->
                          ClientCalls.blockingUnaryCall(
                              channel, GrpcEcho.FAIL, deadline, utf8("x"))))
              .isNotNull();
        }
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
      Scrape s = Scrape.of(proxy);
      assertThat(s.sum("nodemesh_grpc_responses_total", "backend=echo", "grpc_code=OK"))
          .isEqualTo(3.0);
      assertThat(s.sum("nodemesh_grpc_responses_total", "backend=echo", "grpc_code=NOT_FOUND"))
          .isEqualTo(2.0);
      // gRPC errors travel in a 200 response.
      assertThat(s.sum("nodemesh_requests_total", "backend=echo", "method=POST", "code=200"))
          .isEqualTo(5.0);
    }
  }
}
