package io.nodemesh.config.tunnel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nodemesh.config.AccessConfig;
import io.nodemesh.config.MeshConfig;
import io.nodemesh.config.MeshConfigDelta;
import io.nodemesh.config.MeshConfigJson;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TunnelConfigTest {
  private static final TunnelConfig STRICT_SHOP =
      new TunnelConfig(
          MtlsMode.PERMISSIVE,
          Map.of("shop", MtlsMode.STRICT, "legacy", MtlsMode.OFF),
          "td.example",
          Map.of("node-a", "10.0.0.1:15008", "node-b", "[fd00::2]:15008"),
          Map.of("10.1.0.5", new TunnelPod("node-b", "shop/api")));

  @Test
  void travelsAsJsonAndSaysTheModeOfEachNamespace() {
    MeshConfig c = new MeshConfig(3, "mesh", List.of(), AccessConfig.disabled(), STRICT_SHOP);
    String json = MeshConfigJson.write(c);
    assertThat(json).contains("\"strict\"").contains("\"permissive\"");
    MeshConfig back = MeshConfigJson.read(json);
    assertThat(back).isEqualTo(c);
    assertThat(back.tunnel().modeOf("shop")).isEqualTo(MtlsMode.STRICT);
    assertThat(back.tunnel().modeOf("legacy")).isEqualTo(MtlsMode.OFF);
    assertThat(back.tunnel().modeOf("other")).isEqualTo(MtlsMode.PERMISSIVE);
    assertThat(back.tunnel().pods().get("10.1.0.5").namespace()).isEqualTo("shop");
  }

  @Test
  void anOlderConfigWithoutATunnelMeansOffEverywhere() {
    MeshConfig c = MeshConfigJson.read("{\"version\":1,\"listeners\":[]}");
    assertThat(c.tunnel()).isEqualTo(TunnelConfig.disabled());
    assertThat(c.tunnel().modeOf("shop")).isEqualTo(MtlsMode.OFF);
  }

  @Test
  void aChangedTunnelTravelsInAFullConfigAndADeltaKeepsTheBasesTunnel() {
    MeshConfig a = new MeshConfig(1, "mesh", List.of(), AccessConfig.disabled(), STRICT_SHOP);
    MeshConfig b =
        new MeshConfig(2, "mesh", List.of(), AccessConfig.disabled(), TunnelConfig.disabled());
    assertThat(MeshConfigDelta.between(a, b)).isEmpty();
    MeshConfig c = new MeshConfig(2, "other", List.of(), AccessConfig.disabled(), STRICT_SHOP);
    assertThat(MeshConfigDelta.between(a, c).orElseThrow().applyTo(a)).isEqualTo(c);
  }

  @Test
  void refusesBadValuesNamingThem() {
    assertThatThrownBy(() -> MtlsMode.parse("sometimes"))
        .hasMessageContaining("'sometimes'")
        .hasMessageContaining("off, permissive or strict");
    assertThatThrownBy(() -> new TunnelConfig(null, null, null, Map.of("node-a", "10.0.0.1"), null))
        .hasMessageContaining("node-a")
        .hasMessageContaining("ip:port");
    assertThatThrownBy(() -> new TunnelPod("node-a", "api")).hasMessageContaining("'api'");
  }
}
