package io.nodemesh.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class IdentitiesTest {
  @Test
  void aTableIsCopiedOnceAndThenTakenAsItIs() {
    Map<String, String> source = new HashMap<>(Map.of("10.0.0.1", "shop/api"));
    Identities table = Identities.of(source);
    source.put("10.0.0.2", "shop/db");

    assertThat(table).containsExactlyEntriesOf(Map.of("10.0.0.1", "shop/api"));
    assertThat(Identities.of(table)).isSameAs(table);
    AccessConfig config = new AccessConfig(true, table, List.of());
    assertThat(config.identities()).isSameAs(table);
    assertThat(config).isEqualTo(new AccessConfig(true, Map.of("10.0.0.1", "shop/api"), List.of()));
    assertThatThrownBy(() -> table.put("10.0.0.3", "shop/x"))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void anIdentityThatIsNotNamespaceSlashNameIsRefusedWithTheIp() {
    assertThatThrownBy(() -> Identities.of(Map.of("10.0.0.7", "api")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("10.0.0.7")
        .hasMessageContaining("not namespace/name");
  }
}
