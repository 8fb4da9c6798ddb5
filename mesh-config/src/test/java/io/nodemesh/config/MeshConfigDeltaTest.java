package io.nodemesh.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MeshConfigDeltaTest {

  private static ListenerConfig listener(int i, String endpointIp) {
    BackendConfig b =
        new BackendConfig("svc-" + i, 1, List.of(EndpointConfig.ready(endpointIp, 8080)));
    return new ListenerConfig(
        "ns", "svc-" + i, 80, Protocol.HTTP, 20000 + i, RouteConfig.direct(b));
  }

  private static List<ListenerConfig> listeners(int n) {
    List<ListenerConfig> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(listener(i, "10.0.0." + (i % 250 + 1)));
    }
    return out;
  }

  private static MeshConfig config(long version, List<ListenerConfig> listeners) {
    return new MeshConfig(version, "mesh", listeners);
  }

  private static MeshConfig roundTrip(MeshConfig from, MeshConfig to) {
    MeshConfigDelta delta = MeshConfigDelta.between(from, to).orElseThrow();
    MeshConfigDelta read = MeshConfigJson.readDelta(MeshConfigJson.write(delta));
    assertThat(read).isEqualTo(delta);
    return read.applyTo(from);
  }

  @Test
  void oneChangedListenerIsAllTheDeltaCarries() {
    List<ListenerConfig> base = listeners(200);
    List<ListenerConfig> next = new ArrayList<>(base);
    next.set(120, listener(120, "10.9.9.9"));
    MeshConfig from = config(1, base);
    MeshConfig to = config(2, next);

    MeshConfigDelta delta = MeshConfigDelta.between(from, to).orElseThrow();

    assertThat(delta.listeners()).containsExactly(new MeshConfigDelta.Placed(120, next.get(120)));
    assertThat(delta.removed()).isEmpty();
    assertThat(delta.meshDomain()).isNull();
    assertThat(delta.access()).isNull();
    int full = MeshConfigJson.writeBytes(to).length;
    int small = MeshConfigJson.writeBytes(delta).length;
    assertThat(small).isLessThan(full / 50);
    MeshConfig applied = roundTrip(from, to);
    assertThat(applied).isEqualTo(to);
    // Unchanged listeners are the base's own objects: a consumer can skip them by identity.
    for (int i = 0; i < 200; i++) {
      if (i != 120) {
        assertThat(applied.listeners().get(i)).isSameAs(base.get(i));
      }
    }
    assertThat(applied.listeners().get(120)).isNotSameAs(base.get(120));
  }

  @Test
  void addsRemovesAndChangesKeepTheTargetsOrder() {
    List<ListenerConfig> base = listeners(10);
    List<ListenerConfig> next = new ArrayList<>(base);
    next.remove(7);
    next.remove(2);
    next.add(0, listener(50, "10.1.1.1"));
    next.add(5, listener(51, "10.1.1.2"));
    next.add(listener(52, "10.1.1.3"));
    next.set(3, listener(3, "10.2.2.2"));
    MeshConfig from = config(5, base);
    MeshConfig to = config(9, next);

    MeshConfigDelta delta = MeshConfigDelta.between(from, to).orElseThrow();

    assertThat(delta.removed()).containsExactly("ns/svc-2:80", "ns/svc-7:80");
    assertThat(delta.listeners()).hasSize(4);
    assertThat(roundTrip(from, to)).isEqualTo(to);
  }

  @Test
  void topLevelPartsTravelOnlyWhenTheyChanged() {
    MeshConfig from = config(1, listeners(3));
    AccessConfig access = new AccessConfig(true, Map.of("10.0.0.9", "ns/client"), List.of());
    MeshConfig to = new MeshConfig(2, "corp", listeners(3), access);

    MeshConfigDelta delta = MeshConfigDelta.between(from, to).orElseThrow();

    assertThat(delta.listeners()).isEmpty();
    assertThat(delta.meshDomain()).isEqualTo("corp");
    assertThat(delta.access()).isEqualTo(access);
    assertThat(MeshConfigJson.write(delta)).doesNotContain("svc-");
    assertThat(roundTrip(from, to)).isEqualTo(to);
  }

  @Test
  void emptyTargetRemovesEverything() {
    MeshConfig from = config(1, listeners(4));
    MeshConfig to = config(2, List.of());
    assertThat(roundTrip(from, to)).isEqualTo(to);
  }

  @Test
  void reorderedUnchangedListenersGiveNoDelta() {
    List<ListenerConfig> base = listeners(5);
    List<ListenerConfig> next = new ArrayList<>(base);
    next.set(0, base.get(4));
    next.set(4, base.get(0));
    assertThat(MeshConfigDelta.between(config(1, base), config(2, next))).isEmpty();
  }

  @Test
  void noDeltaToAnOlderOrTheSameVersion() {
    assertThat(MeshConfigDelta.between(config(3, listeners(2)), config(3, listeners(2)))).isEmpty();
    assertThat(MeshConfigDelta.between(config(3, listeners(2)), config(2, listeners(2)))).isEmpty();
  }

  @Test
  void refusesABaseOfAnotherVersion() {
    MeshConfig from = config(1, listeners(3));
    MeshConfigDelta delta = MeshConfigDelta.between(from, config(2, listeners(4))).orElseThrow();
    assertThatThrownBy(() -> delta.applyTo(config(7, listeners(3))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("config delta 1 -> 2 does not apply to version 7");
  }

  @Test
  void refusesABaseOfTheRightVersionButOtherContent() {
    MeshConfig from = config(1, listeners(3));
    MeshConfigDelta delta = MeshConfigDelta.between(from, config(2, listeners(2))).orElseThrow();
    assertThat(delta.removed()).containsExactly("ns/svc-2:80");

    // Same version number, fewer listeners: the removal finds nothing to remove.
    assertThatThrownBy(() -> delta.applyTo(config(1, listeners(2))))
        .hasMessageContaining("removes listeners that version 1 does not have");
    // More listeners than the delta has room for.
    assertThatThrownBy(() -> delta.applyTo(config(1, listeners(5))))
        .hasMessageContaining("more unchanged listeners than free places");
  }

  @Test
  void aPlaceOutsideTheListIsRefused() {
    ListenerConfig l = listener(1, "10.0.0.1");
    MeshConfigDelta delta =
        new MeshConfigDelta(
            1, 2, null, null, List.of(), List.of(new MeshConfigDelta.Placed(3, l)), 1);
    assertThatThrownBy(() -> delta.applyTo(config(1, List.of())))
        .hasMessageContaining("index 3 of ns/svc-1:80 is out of place");
  }

  @Test
  void validatesItsVersionsAndCount() {
    assertThatThrownBy(() -> new MeshConfigDelta(4, 4, null, null, null, null, 0))
        .hasMessageContaining("config delta 4 -> 4: versions must grow");
    ListenerConfig l = listener(1, "10.0.0.1");
    assertThatThrownBy(
            () ->
                new MeshConfigDelta(
                    1, 2, null, null, null, List.of(new MeshConfigDelta.Placed(0, l)), 0))
        .hasMessageContaining("listenerCount 0 is less than the 1 listeners placed");
  }

  @Test
  void readsFromAStreamAndNamesWhatIsMalformed() throws Exception {
    MeshConfig to = config(2, listeners(3));
    MeshConfigDelta delta = MeshConfigDelta.between(config(1, listeners(2)), to).orElseThrow();
    byte[] json = MeshConfigJson.writeBytes(delta);
    assertThat(MeshConfigJson.readDelta(new ByteArrayInputStream(json))).isEqualTo(delta);
    assertThat(MeshConfigJson.read(new ByteArrayInputStream(MeshConfigJson.writeBytes(to))))
        .isEqualTo(to);
    assertThatThrownBy(
            () ->
                MeshConfigJson.readDelta(
                    new ByteArrayInputStream("{\"from\":".getBytes(StandardCharsets.UTF_8))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("malformed config delta");
  }
}
