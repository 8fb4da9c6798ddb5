package io.nodemesh.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class CorefilePatchTest {
  private static final MeshDnsSettings MESH = new MeshDnsSettings("mesh", "10.96.0.42");

  /** The Corefile kubeadm writes, as CoreDNS ships it in its ConfigMap. */
  static final String KUBEADM =
      """
      .:53 {
          errors
          health {
             lameduck 5s
          }
          ready
          kubernetes cluster.local in-addr.arpa ip6.arpa {
             pods insecure
             fallthrough in-addr.arpa ip6.arpa
             ttl 30
          }
          prometheus :9153
          forward . /etc/resolv.conf {
             max_concurrent 1000
          }
          cache 30
          loop
          reload
          loadbalance
      }
      """;

  static Stream<Arguments> corefiles() {
    String noFinalNewline = KUBEADM.stripTrailing();
    return Stream.of(
        Arguments.of("kubeadm", KUBEADM),
        Arguments.of("no final newline", noFinalNewline),
        Arguments.of("CRLF", KUBEADM.replace("\n", "\r\n")),
        Arguments.of("CRLF, no final newline", noFinalNewline.replace("\n", "\r\n")),
        Arguments.of("tabs", KUBEADM.replace("    ", "\t")),
        Arguments.of("two final newlines", KUBEADM + "\n"),
        Arguments.of("trailing spaces", KUBEADM + "   "),
        Arguments.of("one line", ".:53 { forward . 8.8.8.8 }"),
        Arguments.of("empty", ""),
        Arguments.of("only a newline", "\n"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("corefiles")
  void restoreGivesBackTheOriginalByteForByte(String name, String original) {
    String patched = CorefilePatch.apply(original, MESH);
    assertThat(patched).isNotEqualTo(original).contains("forward mesh. 10.96.0.42");
    assertThat(CorefilePatch.restore(patched)).isEqualTo(original);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("corefiles")
  void applyingTwiceEqualsApplyingOnce(String name, String original) {
    String once = CorefilePatch.apply(original, MESH);
    assertThat(CorefilePatch.apply(once, MESH)).isEqualTo(once);
    assertThat(CorefilePatch.isPatched(once)).isTrue();
    assertThat(CorefilePatch.isPatched(original)).isFalse();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("corefiles")
  void theOriginalIsKeptVerbatimAndTheBlockIsAppended(String name, String original) {
    String patched = CorefilePatch.apply(original, MESH);
    assertThat(patched).startsWith(original);
    assertThat(patched.strip()).endsWith(CorefilePatch.END);
  }

  @Test
  void blockIsAServerBlockForTheMeshZoneForwardingToTheUpstream() {
    assertThat(CorefilePatch.apply(KUBEADM, MESH))
        .isEqualTo(
            KUBEADM
                + """
                # nodemesh:begin
                # Nodemesh: mesh. names go to the mesh. `nodemesh cleanup` removes this.
                mesh:53 {
                    errors
                    cache 5
                    forward mesh. 10.96.0.42
                }
                # nodemesh:end
                """);
  }

  @Test
  void blockFollowsTheCorefilesLineEndingsAndIndentation() {
    String crlfTabs = KUBEADM.replace("    ", "\t").replace("\n", "\r\n");
    String block = CorefilePatch.apply(crlfTabs, MESH).substring(crlfTabs.length());
    assertThat(block).contains("mesh:53 {\r\n\terrors\r\n").doesNotContain("    ");
    assertThat(block.replace("\r\n", "")).doesNotContain("\n");

    String twoSpaces = ".:53 {\n  errors\n}\n";
    assertThat(CorefilePatch.apply(twoSpaces, MESH)).contains("\n  forward mesh. 10.96.0.42\n");
  }

  @Test
  void anExistingBlockIsReplaced() {
    String old = CorefilePatch.apply(KUBEADM, MESH);
    String moved = CorefilePatch.apply(old, new MeshDnsSettings("mesh.internal", "fd00::53", 5353));
    assertThat(moved)
        .contains("forward mesh.internal. [fd00::53]:5353")
        .doesNotContain("10.96.0.42");
    assertThat(moved.split(CorefilePatch.BEGIN, -1)).hasSize(2);
    assertThat(CorefilePatch.restore(moved)).isEqualTo(KUBEADM);
  }

  @Test
  void aBlockThatIsNoLongerLastIsStillRemovedExactly() {
    String patched = CorefilePatch.apply(KUBEADM, MESH);
    String edited = patched + "example.org:53 {\n    whoami\n}\n";
    assertThat(CorefilePatch.restore(edited))
        .isEqualTo(KUBEADM + "example.org:53 {\n    whoami\n}\n");
  }

  @Test
  void unbalancedMarkersAreRefusedWithTheLineNumber() {
    String noEnd = "a\n" + CorefilePatch.BEGIN + "\nmesh:53 {\n}\n";
    assertThatThrownBy(() -> CorefilePatch.restore(noEnd))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Corefile line 2: '# nodemesh:begin' without '# nodemesh:end' after it");
    String noBegin = "a\nb\n" + CorefilePatch.END + "\n";
    assertThatThrownBy(() -> CorefilePatch.apply(noBegin, MESH))
        .hasMessage("Corefile line 3: '# nodemesh:end' without '# nodemesh:begin' before it");
    String nested =
        CorefilePatch.BEGIN + "\n" + CorefilePatch.BEGIN + "\n" + CorefilePatch.END + "\n";
    assertThatThrownBy(() -> CorefilePatch.restore(nested)).hasMessageContaining("line 1");
  }
}
