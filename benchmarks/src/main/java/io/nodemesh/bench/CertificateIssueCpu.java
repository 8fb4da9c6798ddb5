package io.nodemesh.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Locale;

/**
 * CPU time (not wall time) per certificate the controller's CA issues, measured with the thread's
 * CPU clock so that a loaded machine's waiting does not count (docs/benchmarks.md, "Certificate
 * issuance"). Runs {@link CertificateBenchmark#issue} after a warm-up and prints one line:
 *
 * <pre>bench=ca-cpu op=issue certificates=N cpu_us_per_cert=X pairs_10000_cpu_s=Z</pre>
 *
 * <p>and the same CPU time for {@link CryptoProviderBenchmark}'s key generation and signing with
 * the JDK's and BouncyCastle's providers.
 *
 * <p>Arguments: certificates to measure (default 5000), warm-up certificates (default 3000).
 */
public final class CertificateIssueCpu {
  private CertificateIssueCpu() {}

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 5000;
    int warm = args.length > 1 ? Integer.parseInt(args[1]) : 3000;
    CertificateBenchmark b = new CertificateBenchmark();
    b.setUp();
    double cpuUs = cpuMicros(b::issue, n, warm);
    System.out.printf(
        Locale.ROOT,
        "bench=ca-cpu op=issue certificates=%d cpu_us_per_cert=%.1f pairs_10000_cpu_s=%.2f%n",
        n,
        cpuUs,
        cpuUs * 10_000 / 1e6);
    for (String provider : new String[] {"jdk", "bc"}) {
      CryptoProviderBenchmark c = new CryptoProviderBenchmark();
      c.provider = provider;
      c.setUp();
      System.out.printf(
          Locale.ROOT,
          "bench=ca-cpu op=keyPair provider=%s cpu_us=%.1f%n",
          provider,
          cpuMicros(c::keyPair, n, warm));
      System.out.printf(
          Locale.ROOT,
          "bench=ca-cpu op=signLeaf provider=%s cpu_us=%.1f%n",
          provider,
          cpuMicros(c::signLeaf, n, warm));
    }
  }

  /** The body of a benchmark, as a callable. */
  @FunctionalInterface
  interface Op {
    Object run() throws Exception;
  }

  /** Thread CPU microseconds per call of {@code op}, after {@code warm} calls. */
  static double cpuMicros(Op op, int n, int warm) throws Exception {
    for (int i = 0; i < warm; i++) {
      op.run();
    }
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long cpu0 = threads.getCurrentThreadCpuTime();
    for (int i = 0; i < n; i++) {
      op.run();
    }
    return (threads.getCurrentThreadCpuTime() - cpu0) / 1e3 / n;
  }
}
