package io.nodemesh.proxy.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.nodemesh.config.ServicePolicy.Connections;
import java.util.List;
import org.junit.jupiter.api.Test;

class UpgradeTokensTest {
  private static final Connections DEFAULTS = Connections.DEFAULTS;
  private static final Connections FOO = new Connections(List.of("websocket", "foo"), 0);

  private static HttpHeaders upgrade(String... fields) {
    HttpHeaders h = new DefaultHttpHeaders();
    for (String f : fields) {
      h.add("Upgrade", f);
    }
    return h;
  }

  @Test
  void onlyAllowedProtocolsAreKeptInTheClientsOrder() {
    assertThat(UpgradeTokens.allowed(upgrade("websocket"), DEFAULTS)).isEqualTo("websocket");
    assertThat(UpgradeTokens.allowed(upgrade("WebSocket"), DEFAULTS)).isEqualTo("WebSocket");
    assertThat(UpgradeTokens.allowed(upgrade("foo"), DEFAULTS)).isNull();
    assertThat(UpgradeTokens.allowed(upgrade("h2c"), FOO)).isNull();
    assertThat(UpgradeTokens.allowed(upgrade("foo/2, h2c", "websocket"), FOO))
        .isEqualTo("foo/2, websocket");
    assertThat(UpgradeTokens.allowed(upgrade(", ,"), FOO)).isNull();
    assertThat(UpgradeTokens.allowed(new DefaultHttpHeaders(), FOO)).isNull();
    assertThat(UpgradeTokens.allowed(upgrade("websocket"), new Connections(List.of(), 0))).isNull();
  }

  @Test
  void anOverlongUpgradeListIsRefusedWhole() {
    String many = "x,".repeat(UpgradeTokens.MAX_LENGTH) + "websocket";
    assertThat(UpgradeTokens.allowed(upgrade(many), DEFAULTS)).isNull();
  }

  @Test
  void aBackendMayOnlySwitchToOneOfTheOfferedProtocols() {
    assertThat(UpgradeTokens.offered("websocket", "WebSocket")).isTrue();
    assertThat(UpgradeTokens.offered("foo/2, websocket", "foo")).isTrue();
    assertThat(UpgradeTokens.offered("websocket", "h2c")).isFalse();
    assertThat(UpgradeTokens.offered("websocket", "websocket, h2c")).isFalse();
    assertThat(UpgradeTokens.offered("websocket", null)).isFalse();
    assertThat(UpgradeTokens.offered(null, "websocket")).isFalse();
  }
}
