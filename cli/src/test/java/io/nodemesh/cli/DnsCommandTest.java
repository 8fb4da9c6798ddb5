package io.nodemesh.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.nodemesh.testkit.K8s;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Hashtable;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.naming.NameNotFoundException;
import javax.naming.NamingException;
import javax.naming.directory.Attribute;
import javax.naming.directory.InitialDirContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code nodemesh dns} as the chart runs it, against the mock API server, queried with the JDK's
 * own DNS client (JNDI), which shares no code with the server.
 */
@EnableKubernetesMockClient(crud = true)
class DnsCommandTest {
  private static final Pattern LISTENING =
      Pattern.compile(
          "on 127\\.0\\.0\\.1:(\\d+) \\(udp, tcp\\), (\\d+) names, metrics on port (\\d+)");

  KubernetesClient client;

  @Test
  void answersMeshNamesFromTheShadowServicesItWatches(@TempDir Path dir) throws Exception {
    shadow("whoami-shop-1a2b3c4d5e", "shop", "whoami", "10.96.1.1");
    Path kubeconfig = dir.resolve("config");
    K8s.kubeconfig(kubeconfig, String.valueOf(client.getMasterUrl()), "u", "t");
    StringWriter out = new StringWriter();
    Thread server =
        new Thread(
            () ->
                Main.run(
                    new String[] {
                      "dns",
                      "--kubeconfig",
                      kubeconfig.toString(),
                      "--port",
                      "0",
                      "--metrics-port",
                      "0",
                      "--bind",
                      "127.0.0.1"
                    },
                    new PrintWriter(out, true),
                    new PrintWriter(new StringWriter(), true)),
            "nodemesh-dns-under-test");
    server.start();
    try {
      await().atMost(Duration.ofSeconds(30)).until(() -> LISTENING.matcher(out.toString()).find());
      Matcher m = LISTENING.matcher(out.toString());
      assertThat(m.find()).isTrue();
      int port = Integer.parseInt(m.group(1));
      assertThat(m.group(2)).as("loaded before listening").isEqualTo("1");

      assertThat(lookupA(port, "whoami.shop.mesh")).isEqualTo("10.96.1.1");
      assertThatThrownBy(() -> lookupA(port, "nope.shop.mesh"))
          .isInstanceOf(NameNotFoundException.class);

      shadow("api-v2-team-3-0123456789", "team-3", "api-v2", "10.96.1.2");
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () -> assertThat(lookupA(port, "api-v2.team-3.mesh")).isEqualTo("10.96.1.2"));

      // The metrics port counts what was answered (docs/metrics.md, "Mesh DNS server").
      int metricsPort = Integer.parseInt(m.group(3));
      try (java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient()) {
        String scrape =
            http.send(
                    java.net.http.HttpRequest.newBuilder(
                            java.net.URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
                        .build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString())
                .body();
        assertThat(scrape)
            .contains("nodemesh_dns_queries_total{rcode=\"NXDOMAIN\",transport=\"udp\",type=\"A\"}")
            .contains("nodemesh_dns_names 2.0");
      }
    } finally {
      server.interrupt();
      server.join(Duration.ofSeconds(20));
    }
    assertThat(server.isAlive()).isFalse();
  }

  void shadow(String name, String ns, String source, String ip) {
    Service s = K8s.service("nodemesh", name);
    s.getMetadata()
        .setLabels(
            Map.of(
                "app.kubernetes.io/managed-by", "nodemesh",
                "nodemesh.io/source-namespace", ns,
                "nodemesh.io/source-name", source));
    s.getSpec().setClusterIP(ip);
    client.resource(s).create();
  }

  // JNDI here is the JDK's DNS provider, pinned by name; nothing is looked up over LDAP or RMI, so
  // no object is deserialised (what Error Prone's BanJNDI guards against).
  @SuppressWarnings("BanJNDI")
  static String lookupA(int port, String name) throws NamingException, IOException {
    Hashtable<String, String> env = new Hashtable<>();
    env.put("java.naming.factory.initial", "com.sun.jndi.dns.DnsContextFactory");
    env.put("java.naming.provider.url", "dns://127.0.0.1:" + port);
    env.put("com.sun.jndi.dns.timeout.initial", "2000");
    env.put("com.sun.jndi.dns.timeout.retries", "1");
    InitialDirContext ctx = new InitialDirContext(env);
    try {
      Attribute a = ctx.getAttributes(name + ".", new String[] {"A"}).get("A");
      return a == null ? null : (String) a.get();
    } finally {
      ctx.close();
    }
  }
}
