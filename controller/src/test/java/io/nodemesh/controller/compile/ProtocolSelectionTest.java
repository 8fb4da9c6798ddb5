package io.nodemesh.controller.compile;

import static io.nodemesh.controller.compile.MeshCompilerTest.compile;
import static io.nodemesh.controller.compile.MeshCompilerTest.listener;
import static io.nodemesh.testkit.K8s.annotate;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.nodemesh.config.ListenerConfig;
import io.nodemesh.config.Protocol;
import io.nodemesh.controller.common.PortRange;
import io.nodemesh.controller.common.Problem;
import io.nodemesh.controller.source.SourceSnapshot;
import io.nodemesh.controller.topology.Topology;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which protocol a Service port gets without and with the annotation (docs/protocols.md). */
class ProtocolSelectionTest {

  static Service svc(String name, String appProtocol, String protocol) {
    return new ServiceBuilder()
        .withNewMetadata()
        .withNamespace("shop")
        .withName("s")
        .endMetadata()
        .withNewSpec()
        .withType("ClusterIP")
        .withPorts(
            new ServicePortBuilder()
                .withName(name)
                .withPort(1000)
                .withProtocol(protocol)
                .withAppProtocol(appProtocol)
                .build())
        .endSpec()
        .build();
  }

  @ParameterizedTest
  @CsvSource(
      nullValues = "-",
      value = {
        // name, appProtocol, port protocol, expected with the shipped default (auto, rule 5)
        "-, -, TCP, auto",
        "web, -, TCP, auto",
        "http, -, TCP, http",
        "http-web, -, TCP, http",
        "grpc-api, -, TCP, http",
        "grpc-web, -, TCP, http",
        "http2, -, TCP, http",
        "tcp-db, -, TCP, tcp",
        "tcp, -, TCP, tcp",
        "mysql, -, TCP, tcp",
        "tls-x, -, TCP, tcp",
        "https, -, TCP, tcp",
        "udp-dns, -, UDP, udp",
        "tcp-dns, -, UDP, udp",
        "httpx, -, TCP, auto",
        "-, tcp, TCP, tcp",
        "-, TCP, TCP, tcp",
        "-, http, TCP, http",
        "-, kubernetes.io/h2c, TCP, http",
        "-, kubernetes.io/ws, TCP, http",
        "-, kubernetes.io/wss, TCP, tcp",
        "-, postgresql, TCP, tcp",
        "tcp-db, http, TCP, http",
        "http-web, tcp, TCP, tcp",
        "-, http, UDP, udp",
      })
  void withoutTheAnnotation(String name, String appProtocol, String protocol, String expected) {
    CompileResult r = compileWithDefault(null, svc(name, appProtocol, protocol));
    assertThat(listener(r, "shop", "s", 1000).protocol()).isEqualTo(Protocol.parse(expected));
  }

  @ParameterizedTest
  @CsvSource({
    "tcp-db, http, http",
    "http-web, tcp, tcp",
    "grpc, udp, udp",
    "web, http, http",
    "http-web, auto, auto"
  })
  void theAnnotationWins(String name, String annotation, String expected) {
    Service s = annotate(svc(name, name, "TCP"), MeshCompiler.TRAFFIC_TYPE_ANNOTATION, annotation);
    CompileResult r = compileWithDefault(null, s);
    assertThat(listener(r, "shop", "s", 1000).protocol()).isEqualTo(Protocol.parse(expected));
  }

  @Test
  void udpAppProtocolOnATcpPortIsReported() {
    CompileResult r = compile(svc("dns", "udp", "TCP"));
    assertThat(listener(r, "shop", "s", 1000).protocol()).isEqualTo(Protocol.TCP);
    assertThat(r.problems())
        .extracting(Problem::field)
        .containsExactly("spec.ports[0].appProtocol");
  }

  @Test
  void detectionIsTheShippedDefault() {
    assertThat(CompileSettings.DEFAULT_TRAFFIC_TYPE).isEqualTo(Protocol.AUTO);
    assertThat(Protocol.parse(CompileSettings.DEFAULT_TRAFFIC_TYPE_NAME))
        .isEqualTo(CompileSettings.DEFAULT_TRAFFIC_TYPE);
  }

  @ParameterizedTest
  @CsvSource(
      nullValues = "-",
      value = {
        // --default-traffic-type, name, appProtocol, port protocol, expected
        "http, -, -, TCP, http",
        "http, web, -, TCP, http",
        "http, tcp-db, -, TCP, tcp",
        "tcp, web, -, TCP, tcp",
        "tcp, http-web, -, TCP, http",
        "tcp, -, kubernetes.io/h2c, TCP, http",
        "http, -, -, UDP, udp",
      })
  void aChosenDefaultDecidesOnlyWhatNothingDeclares(
      String type, String name, String appProtocol, String protocol, String expected) {
    CompileResult r = compileWithDefault(Protocol.parse(type), svc(name, appProtocol, protocol));
    assertThat(listener(r, "shop", "s", 1000).protocol()).isEqualTo(Protocol.parse(expected));
  }

  @Test
  void anAutoListenerGetsAnHttpRangePortAndTheServicesBackends() {
    Service http = annotate(svc("a", null, "TCP"), MeshCompiler.TRAFFIC_TYPE_ANNOTATION, "http");
    http.getMetadata().setName("h");
    Service auto = annotate(svc("b", null, "TCP"), MeshCompiler.TRAFFIC_TYPE_ANNOTATION, "auto");
    CompileResult r = compile(http, auto);
    ListenerConfig a = listener(r, "shop", "s", 1000);
    ListenerConfig h = listener(r, "shop", "h", 1000);
    assertThat(a.protocol()).isEqualTo(Protocol.AUTO);
    PortRange range = MeshCompilerTest.SETTINGS.ranges().get(Protocol.HTTP);
    assertThat(a.proxyPort()).isBetween(range.first(), range.last()).isNotEqualTo(h.proxyPort());
    assertThat(a.route().root().service()).isEqualTo("s");
    assertThat(r.problems()).isEmpty();
  }

  private static CompileResult compileWithDefault(Protocol type, Service s) {
    CompileSettings base = MeshCompilerTest.SETTINGS;
    CompileSettings settings =
        new CompileSettings(base.meshNamespace(), base.meshDomain(), base.ranges(), false, type);
    Topology t = Topology.from(SourceSnapshot.of(List.of(s)), List.of());
    return new MeshCompiler(settings)
        .compile(t, PortAllocation.empty(), null, MeshCompilerTest.NOW);
  }
}
