package io.nodemesh.controller.access;

import static org.assertj.core.api.Assertions.assertThat;

import io.nodemesh.config.AccessConfig;
import io.nodemesh.config.BackendConfig;
import io.nodemesh.config.EndpointConfig;
import io.nodemesh.config.ListenerAccess;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.Protocol;
import io.nodemesh.config.RouteConfig;
import io.nodemesh.config.access.AccessDecision;
import io.nodemesh.config.access.AccessPolicy;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * "Every destination must allow" no longer skips an endpoint that is no known pod (issue 13): such
 * an endpoint stands for a destination nothing allows, so the listener allows nothing. The compiler
 * leaves these endpoints out in ACL mode (EndpointDeputyKubernetesTest); this is the check behind
 * it, decided by the proxies' own {@link AccessPolicy}.
 */
class UnknownEndpointAccessTest {
  static final Map<String, String> IDENTITIES =
      Map.of("10.0.0.1", "shop/api", "10.0.0.9", "default/web");
  static final AccessCompiler.Rules WEB_TO_API =
      new AccessCompiler.Rules(
          List.of(
              new AccessCompiler.Rule(
                  "shop/web-to-api",
                  "TCPRoute shop/any",
                  "shop/api",
                  null,
                  List.of("default/web"),
                  Protocol.TCP,
                  List.of(),
                  List.of())));

  static ListenerConfig listener(String... ips) {
    List<EndpointConfig> eps =
        Arrays.stream(ips)
            .map(ip -> new EndpointConfig(ip, 5432, "n1", true, true, false))
            .toList();
    RouteConfig route = RouteConfig.direct(new BackendConfig("db", 1, eps));
    return new ListenerConfig("shop", "db", 5432, Protocol.TCP, 10000, route);
  }

  static AccessDecision decide(ListenerConfig l) throws Exception {
    ListenerAccess access = AccessCompiler.listenerAccess(l, IDENTITIES, WEB_TO_API);
    AccessPolicy policy = AccessPolicy.compile(new AccessConfig(true, IDENTITIES, List.of(access)));
    return policy.decide(l.key(), Protocol.TCP, InetAddress.getByName("10.0.0.9"), null);
  }

  @Test
  void aListenerWhoseEndpointsAreAllKnownPodsAllowsWhatTheirTrafficTargetAllows() throws Exception {
    assertThat(decide(listener("10.0.0.1"))).isInstanceOf(AccessDecision.Allow.class);
  }

  @Test
  void anEndpointThatIsNoKnownPodIsADestinationNothingAllows() throws Exception {
    ListenerConfig l = listener("10.0.0.1", "10.96.0.10");

    assertThat(AccessCompiler.listenerAccess(l, IDENTITIES, WEB_TO_API).destinations())
        .containsExactly(AccessCompiler.UNKNOWN_DESTINATION + "10.96.0.10", "shop/api");
    assertThat(decide(l))
        .isInstanceOfSatisfying(
            AccessDecision.Deny.class,
            d -> assertThat(d.message()).contains("(not a pod) 10.96.0.10"));
  }
}
