package io.nodemesh.controller.api;

import io.helidon.common.tls.Tls;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Serves a renewed certificate without a restart: checks the certificate and key files every {@code
 * period} and, when their content changed and reads as a usable pair, hands the new TLS to the
 * server (Helidon's {@code WebServer.reloadTls}). cert-manager renews into the same Secret, and the
 * kubelet swaps the mounted files; a half-written or broken pair keeps the old one.
 */
public final class TlsReloader implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(TlsReloader.class.getName());

  private final ApiTls files;
  private final Consumer<Tls> reload;
  private final ScheduledExecutorService timer;
  private byte[] served;

  /**
   * @param files what is served now
   * @param reload installs a new TLS on the server
   */
  public TlsReloader(ApiTls files, Consumer<Tls> reload, Duration period) {
    this.files = files;
    this.reload = reload;
    this.served = fingerprint();
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().daemon().name("nodemesh-tls-reload").unstarted(r));
    timer.scheduleWithFixedDelay(
        this::check, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Reloads now if the files changed; true when a new certificate is being served. */
  synchronized boolean check() {
    byte[] now = fingerprint();
    if (now == null || Arrays.equals(now, served)) {
      return false;
    }
    try {
      reload.accept(files.serverTls());
    } catch (RuntimeException e) {
      LOG.log(
          Level.WARNING,
          "new TLS files not usable, keeping the served certificate: {0}",
          e.getMessage());
      return false;
    }
    served = now;
    LOG.log(Level.INFO, "serving the renewed certificate from {0}", files.certChain());
    return true;
  }

  /** A digest of both files, or null when one cannot be read (mid-swap). */
  private byte[] fingerprint() {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(Files.readAllBytes(files.certChain()));
      sha.update(Files.readAllBytes(files.key()));
      return sha.digest();
    } catch (IOException e) {
      return null;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
