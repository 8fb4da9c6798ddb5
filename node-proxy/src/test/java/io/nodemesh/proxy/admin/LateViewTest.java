package io.nodemesh.proxy.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.nodemesh.config.MeshConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

class LateViewTest {

  @Test
  void showsNothingReadyUntilBoundThenTheProxy() {
    LateView view = new LateView();
    assertThat(view.config()).isNull();
    assertThat(view.isBound(5000)).isFalse();
    assertThat(view.scrape()).isEmpty();
    assertThat(AdminServer.configJson(view)).isEqualTo("{\"version\":-1,\"listeners\":[]}");

    MeshConfig config = new MeshConfig(7, "mesh", List.of());
    view.bind(new FixedView(config, port -> port == 5000, () -> "nodemesh_config_version 7.0\n"));

    assertThat(view.config()).isSameAs(config);
    assertThat(view.isBound(5000)).isTrue();
    assertThat(view.isBound(5001)).isFalse();
    assertThat(view.scrape()).contains("nodemesh_config_version 7.0");
  }
}
