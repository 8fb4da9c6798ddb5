package io.nodemesh.bench;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.nodemesh.config.identity.CertificateRequest;
import io.nodemesh.config.identity.EcKeys;
import io.nodemesh.config.identity.Pem;
import io.nodemesh.controller.identity.CertificateAuthority;
import io.nodemesh.controller.identity.IdentitySettings;
import io.nodemesh.controller.identity.MeshCa;
import io.nodemesh.controller.source.PodIndex;
import java.security.KeyPair;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The cost of workload identity (issue 14, docs/benchmarks.md "Certificate issuance"):
 *
 * <ul>
 *   <li>{@code issue}: one certificate through the controller's whole decision, as the CSR endpoint
 *       makes it once the (cached) TokenReview has named the proxy's pod: the pod lookups, the CSR
 *       parsed and its signature checked, the certificate built and signed, the answer's PEM. 1,000
 *       nodes with 10 ServiceAccounts each, 100 pods per node;
 * </ul>
 *
 * <p>{@link CryptoProviderBenchmark} compares the JDK's and BouncyCastle's providers.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class CertificateBenchmark {
  static final int NODES = 1000;
  static final int ACCOUNTS_PER_NODE = 10;
  static final int PODS_PER_NODE = 100;
  static final int REQUESTS = 64;

  private CertificateAuthority authority;
  private final List<String> proxyUids = new ArrayList<>();
  private final List<CertificateRequest> requests = new ArrayList<>();
  private int next;

  @Setup
  public void setUp() throws Exception {
    MeshCa ca = MeshCa.create("bench.nodemesh", Instant.now());
    Map<String, Pod> byUid = new HashMap<>();
    Map<String, List<Pod>> byNode = new HashMap<>();
    for (int n = 0; n < NODES; n++) {
      String node = "node-" + n;
      List<Pod> pods = new ArrayList<>();
      Pod proxy = pod("nodemesh", "proxy-" + n, "nodemesh-proxy", node, "uid-proxy-" + n);
      pods.add(proxy);
      byUid.put("uid-proxy-" + n, proxy);
      for (int p = 0; p < PODS_PER_NODE; p++) {
        pods.add(
            pod(
                "ns-" + (p % 7),
                "app-" + n + "-" + p,
                "sa-" + (p % ACCOUNTS_PER_NODE),
                node,
                "uid-" + n + "-" + p));
      }
      byNode.put(node, pods);
    }
    PodIndex index =
        new PodIndex() {
          @Override
          public boolean hasSynced() {
            return true;
          }

          @Override
          public Pod byUid(String uid) {
            return byUid.get(uid);
          }

          @Override
          public List<Pod> onNode(String node) {
            return byNode.getOrDefault(node, List.of());
          }
        };
    authority =
        new CertificateAuthority(
            ca,
            index,
            "nodemesh",
            "nodemesh-proxy",
            IdentitySettings.defaults().withTrustDomain("bench.nodemesh"),
            InstantSource.system());
    for (int i = 0; i < REQUESTS; i++) {
      int n = (i * 37) % NODES;
      int sa = i % ACCOUNTS_PER_NODE;
      // The namespace of the pods that run sa on that node: p % 7 for p = sa.
      KeyPair key = EcKeys.generate();
      byte[] der =
          new JcaPKCS10CertificationRequestBuilder(new X500Name("O=nodemesh"), key.getPublic())
              .build(new JcaContentSignerBuilder(EcKeys.SIGNATURE).build(key.getPrivate()))
              .getEncoded();
      requests.add(
          new CertificateRequest(
              "ns-" + (sa % 7), "sa-" + sa, Pem.encode("CERTIFICATE REQUEST", der)));
      proxyUids.add("uid-proxy-" + n);
    }
    if (!(authority.issue(proxyUids.get(0), requests.get(0))
        instanceof CertificateAuthority.Decision.Issued)) {
      throw new IllegalStateException("the benchmark's request is not issued");
    }
  }

  private static Pod pod(String ns, String name, String sa, String node, String uid) {
    return new PodBuilder()
        .withNewMetadata()
        .withNamespace(ns)
        .withName(name)
        .withUid(uid)
        .endMetadata()
        .withNewSpec()
        .withServiceAccountName(sa)
        .withNodeName(node)
        .endSpec()
        .withNewStatus()
        .withPhase("Running")
        .endStatus()
        .build();
  }

  /** The controller's CPU per certificate. */
  @Benchmark
  public Object issue() {
    int i = next++ & (REQUESTS - 1);
    return authority.issue(proxyUids.get(i), requests.get(i));
  }
}
