package io.nodemesh.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nodemesh.ops.Scripts.Result;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/release} for real: it makes the jar, the chart package, the image and the kubectl
 * plugin; the image is read as a container engine reads it (index, manifest, config, every digest
 * checked), its layers are unpacked into a root file system, and {@code nodemesh version} and
 * {@code nodemesh check --help} run inside it as the image's user, through its entrypoint, in a
 * mount and PID namespace of their own with {@code chroot}: what a container runtime does, minus
 * cgroups and the network namespace, which these two commands do not need. Where Podman is
 * installed, it also loads and runs the image for real.
 *
 * <p>This takes about 3 minutes (mostly the image's jlink and AOT training, and Podman's copy of
 * it). bin/test runs it like every other test; {@code -Dnodemesh.release.it=false} leaves it out of
 * a quick local run. Skipped, saying which, where a tool it needs is missing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 25, unit = TimeUnit.MINUTES)
class ReleaseIT {
  /** Failsafe runs in the chart module's directory (it does not get nodemesh.chart.dir). */
  private static final Path REPO = Scripts.REPO;

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path work;
  private Path release;
  private String version;
  private String log;

  @BeforeAll
  void buildTheRelease() throws Exception {
    assumeTrue(
        !"false".equals(System.getProperty("nodemesh.release.it")),
        "left out with -Dnodemesh.release.it=false");
    for (String tool : List.of("tar", "gzip", "sha256sum", "dpkg-deb", "apt-get")) {
      assumeTrue(onPath(tool), "bin/release needs " + tool + ", which is not on PATH");
    }
    version = pomVersion();
    release = work.resolve("release");
    List<String> command =
        new ArrayList<>(
            List.of(REPO.resolve("bin/release").toString(), "--output", release.toString()));
    if (version.endsWith("-SNAPSHOT")) {
      command.add("--snapshot");
    }
    Result r = run(Map.of(), 20, command.toArray(String[]::new));
    log = r.output();
    assertThat(r.exit()).as(log).isZero();
  }

  @Test
  void releaseHasTheJarTheChartTheImageThePluginAndTheirChecksums() throws Exception {
    assertThat(log).contains("release " + version + " in " + release);
    try (JarFile jar = new JarFile(release.resolve("nodemesh-" + version + ".jar").toFile())) {
      assertThat(jar.getManifest().getMainAttributes().getValue("Main-Class"))
          .isEqualTo("io.nodemesh.cli.Main");
    }
    Path unpacked = Files.createDirectories(work.resolve("chart"));
    Result chart = untar(1, "-xzf", release.resolve("nodemesh-" + version + ".tgz"), unpacked);
    assertThat(chart.exit()).as(chart.output()).isZero();
    // helm package writes Chart.yaml back in its own style (appVersion unquoted).
    String chartVersion = version.replaceFirst("-SNAPSHOT$", "");
    assertThat(Files.readString(unpacked.resolve("nodemesh/Chart.yaml")))
        .containsPattern("(?m)^version: " + chartVersion + "$")
        .containsPattern("(?m)^appVersion: \"?" + chartVersion + "\"?$");
    assertThat(unpacked.resolve("nodemesh/crds")).isDirectory();
    assertThat(release.resolve("nodemesh-image-" + version + "-amd64.tar")).isRegularFile();
    assertThat(release.resolve("kubectl-nodemesh")).isExecutable();

    Result sums = run(Map.of(), 1, "sh", "-c", "cd '" + release + "' && sha256sum -c SHA256SUMS");
    assertThat(sums.exit()).as(sums.output()).isZero();
    assertThat(sums.output())
        .contains(
            "nodemesh-" + version + ".jar: OK",
            "nodemesh-" + version + ".tgz: OK",
            "nodemesh-image-" + version + "-amd64.tar: OK",
            "kubectl-nodemesh: OK");
  }

  @Test
  void theKubectlPluginRunsTheJarBesideIt() throws Exception {
    Result r =
        run(
            Map.of("JAVA_HOME", System.getProperty("java.home")),
            2,
            release.resolve("kubectl-nodemesh").toString(),
            "version");
    assertThat(r.exit()).as(r.output()).isZero();
    assertThat(r.output()).startsWith("nodemesh " + version + "\n").contains("revision: ");

    Result help =
        run(
            Map.of("JAVA_HOME", System.getProperty("java.home")),
            2,
            release.resolve("kubectl-nodemesh").toString(),
            "check",
            "--bogus");
    assertThat(help.exit()).isEqualTo(2);
    assertThat(help.output()).contains("Usage: nodemesh check");
  }

  @Test
  void theImageIsAValidLinuxAmd64OciImageThatRunsVersionAndCheck() throws Exception {
    Path oci = Files.createDirectories(work.resolve("oci"));
    Result untar =
        untar(2, "-xf", release.resolve("nodemesh-image-" + version + "-amd64.tar"), oci);
    assertThat(untar.exit()).as(untar.output()).isZero();
    assertThat(
            JSON.readTree(oci.resolve("oci-layout").toFile()).path("imageLayoutVersion").asText())
        .isEqualTo("1.0.0");

    JsonNode index = JSON.readTree(oci.resolve("index.json").toFile()).path("manifests").get(0);
    assertThat(index.path("platform").path("architecture").asText()).isEqualTo("amd64");
    assertThat(index.path("annotations").path("io.containerd.image.name").asText())
        .isEqualTo("ghcr.io/nodemesh/nodemesh:" + version);
    JsonNode manifest = JSON.readTree(blob(oci, index.path("digest").asText()));
    JsonNode config = JSON.readTree(blob(oci, manifest.path("config").path("digest").asText()));
    assertThat(config.path("architecture").asText()).isEqualTo("amd64");
    assertThat(config.path("os").asText()).isEqualTo("linux");
    assertThat(config.path("config").path("User").asText()).isEqualTo("10001:10001");
    assertThat(
            config.path("config").path("Labels").path("org.opencontainers.image.version").asText())
        .isEqualTo(version);

    // The same image as docker/Dockerfile describes: entrypoint, user, working directory, ports.
    String dockerfile = Files.readString(REPO.resolve("docker/Dockerfile"));
    assertThat(JSON.readTree(instruction(dockerfile, "ENTRYPOINT")))
        .isEqualTo(config.path("config").path("Entrypoint"));
    assertThat(config.path("config").path("User").asText())
        .isEqualTo(instruction(dockerfile, "USER"));
    assertThat(config.path("config").path("WorkingDir").asText())
        .isEqualTo(instruction(dockerfile, "WORKDIR"));
    List<String> exposed = new ArrayList<>();
    for (String port : instruction(dockerfile, "EXPOSE").split("\\s+")) {
      exposed.add(port.contains("/") ? port : port + "/tcp");
    }
    List<String> ports = new ArrayList<>();
    config.path("config").path("ExposedPorts").fieldNames().forEachRemaining(ports::add);
    assertThat(ports).containsExactlyInAnyOrderElementsOf(exposed);

    // docker load reads manifest.json: the same config and layers.
    JsonNode docker = JSON.readTree(oci.resolve("manifest.json").toFile()).get(0);
    assertThat(docker.path("Config").asText())
        .isEqualTo("blobs/sha256/" + manifest.path("config").path("digest").asText().substring(7));
    assertThat(docker.path("RepoTags").get(0).asText())
        .isEqualTo("ghcr.io/nodemesh/nodemesh:" + version);

    // Layers: base, runtime, jar and (built as root) the AOT cache; each diff_id is the digest of
    // the unpacked tar, as engines check it.
    JsonNode layers = manifest.path("layers");
    JsonNode diffIds = config.path("rootfs").path("diff_ids");
    assertThat(layers.size()).isBetween(3, 4).isEqualTo(diffIds.size());
    Path rootfs = Files.createDirectories(work.resolve("rootfs"));
    for (int i = 0; i < layers.size(); i++) {
      String digest = layers.get(i).path("digest").asText();
      byte[] gz = blob(oci, digest);
      assertThat((long) gz.length).isEqualTo(layers.get(i).path("size").asLong());
      assertThat(docker.path("Layers").get(i).asText())
          .isEqualTo("blobs/sha256/" + digest.substring(7));
      try (InputStream in = new GZIPInputStream(Files.newInputStream(path(oci, digest)))) {
        assertThat("sha256:" + sha256(in.readAllBytes())).isEqualTo(diffIds.get(i).asText());
      }
      Result x =
          run(Map.of(), 2, "tar", "-xzf", path(oci, digest).toString(), "-C", rootfs.toString());
      assertThat(x.exit()).as(x.output()).isZero();
    }
    assertThat(rootfs.resolve("opt/nodemesh/nodemesh.jar")).isRegularFile();
    assertThat(rootfs.resolve("opt/nodemesh/runtime/bin/java")).isExecutable();
    assertThat(rootfs.resolve("bin/sh")).doesNotExist();

    assumeTrue(
        "root".equals(System.getProperty("user.name")) && onPath("unshare") && onPath("chroot"),
        "running the image without a container engine needs root, unshare and chroot; the image"
            + " was built and checked, not run");
    List<String> entrypoint = new ArrayList<>();
    config.path("config").path("Entrypoint").forEach(e -> entrypoint.add(e.asText()));

    Result v = inImage(rootfs, entrypoint, Map.of(), "version");
    assertThat(v.exit()).as(v.output()).isZero();
    assertThat(v.output())
        .startsWith("nodemesh " + version + "\n")
        .containsPattern("revision: [0-9a-f]{12}\n")
        .contains("java: " + Runtime.version().feature());

    Result check = inImage(rootfs, entrypoint, Map.of(), "check", "--help");
    assertThat(check.exit()).as(check.output()).isZero();
    assertThat(check.output()).contains("Usage: nodemesh check").contains("--kubeconfig");

    if (layers.size() == 4) {
      // The proxy's flags as the chart passes them: the AOT cache must fit the image's JVM and jar.
      String flags =
          String.join(
              " ",
              Files.readAllLines(REPO.resolve("docker/proxy-jvm-options")).stream()
                  .filter(l -> !l.isBlank() && !l.startsWith("#"))
                  .toList());
      Result aot =
          inImage(
              rootfs,
              entrypoint,
              Map.of(
                  "JDK_JAVA_OPTIONS",
                  flags + " -XX:AOTCache=/opt/nodemesh/proxy.aot -Xlog:aot=error"),
              "version");
      assertThat(aot.exit()).as(aot.output()).isZero();
      assertThat(aot.output()).doesNotContain("[error]");
    }
  }

  /**
   * Where Podman is installed, a real container engine loads the archive and runs the image with
   * the restrictions the chart sets (read-only root, a tmpfs /tmp, no capabilities, no privilege
   * escalation, no network). Podman keeps its storage in this test's directory, so nothing stays on
   * the machine. runc is preferred where present: crun 1.8 (Debian 12) refuses hosts with a hybrid
   * cgroup v1/v2 layout, such as the development machine.
   */
  @Test
  void podmanLoadsAndRunsTheImageAsTheChartRunsIt() throws Exception {
    assumeTrue(onPath("podman"), "podman is not installed (apt-get install podman runc)");
    assumeTrue(
        "root".equals(System.getProperty("user.name")),
        "podman runs here as root only (rootless needs subuid ranges)");
    Path storage = Files.createDirectories(work.resolve("podman"));
    List<String> podman =
        new ArrayList<>(
            List.of(
                "podman",
                "--root",
                storage.resolve("root").toString(),
                "--runroot",
                storage.resolve("run").toString(),
                "--storage-driver",
                "vfs",
                "--cgroup-manager",
                "cgroupfs",
                "--events-backend",
                "none"));
    if (onPath("runc")) {
      podman.addAll(List.of("--runtime", "runc"));
    }
    String image = "ghcr.io/nodemesh/nodemesh:" + version;
    Result load =
        run(
            Map.of("TMPDIR", storage.toString()),
            5,
            concat(
                podman,
                "load",
                "-i",
                release.resolve("nodemesh-image-" + version + "-amd64.tar").toString()));
    assertThat(load.exit()).as(load.output()).isZero();
    assertThat(load.output()).contains("Loaded image: " + image);

    // The sandbox's hard limits are below Podman's defaults (1M open files), which it may not
    // raise, hence explicit ones.
    List<String> runFlags =
        List.of(
            "run",
            "--rm",
            "--network",
            "none",
            "--read-only",
            "--tmpfs",
            "/tmp",
            "--cap-drop",
            "ALL",
            "--security-opt",
            "no-new-privileges",
            "--ulimit",
            "nofile=4096:4096",
            "--ulimit",
            "nproc=4096:4096");
    List<String> versionCommand = new ArrayList<>(podman);
    versionCommand.addAll(runFlags);
    versionCommand.addAll(List.of(image, "version"));
    Result v = run(Map.of("TMPDIR", storage.toString()), 2, versionCommand.toArray(String[]::new));
    assertThat(v.exit()).as(v.output()).isZero();
    assertThat(v.output()).contains("nodemesh " + version + "\n");

    List<String> check = new ArrayList<>(podman);
    check.addAll(runFlags);
    check.addAll(List.of(image, "check", "--help"));
    Result c = run(Map.of("TMPDIR", storage.toString()), 2, check.toArray(String[]::new));
    assertThat(c.exit()).as(c.output()).isZero();
    assertThat(c.output()).contains("Usage: nodemesh check");
  }

  private static String[] concat(List<String> head, String... tail) {
    List<String> all = new ArrayList<>(head);
    all.addAll(List.of(tail));
    return all.toArray(String[]::new);
  }

  /**
   * Runs the image's entrypoint with {@code args} in {@code rootfs}: a private mount and PID
   * namespace with /proc and /dev, as the image's user (the JVM finds its libraries through
   * /proc/self/exe, which is why /proc is needed).
   */
  private Result inImage(
      Path rootfs, List<String> entrypoint, Map<String, String> env, String... args)
      throws Exception {
    Files.createDirectories(rootfs.resolve("proc"));
    Files.createDirectories(rootfs.resolve("dev"));
    List<String> command =
        new ArrayList<>(
            List.of(
                "unshare",
                "--mount",
                "--pid",
                "--fork",
                "sh",
                "-c",
                "mount -t proc proc \"$0/proc\" && mount --rbind /dev \"$0/dev\" && "
                    + "exec chroot --userspec=10001:10001 \"$0\" \"$@\"",
                rootfs.toString()));
    command.addAll(entrypoint);
    command.addAll(List.of(args));
    return run(env, 2, command.toArray(String[]::new));
  }

  /** The argument of the last {@code NAME} instruction in a Dockerfile (one line each). */
  private static String instruction(String dockerfile, String name) {
    String found = null;
    for (String line : dockerfile.split("\\R")) {
      if (line.startsWith(name + " ")) {
        found = line.substring(name.length() + 1).strip();
      }
    }
    assertThat(found).as("docker/Dockerfile " + name).isNotNull();
    return found;
  }

  private static Path path(Path oci, String digest) {
    assertThat(digest).startsWith("sha256:");
    return oci.resolve("blobs/sha256").resolve(digest.substring(7));
  }

  /** A blob, checked against its digest. */
  private static byte[] blob(Path oci, String digest) throws IOException {
    byte[] bytes = Files.readAllBytes(path(oci, digest));
    assertThat("sha256:" + sha256(bytes)).as("digest of " + digest).isEqualTo(digest);
    return bytes;
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String pomVersion() throws IOException {
    String pom = Files.readString(REPO.resolve("pom.xml"));
    int parent = pom.indexOf("<artifactId>nodemesh-parent</artifactId>");
    int start = pom.indexOf("<version>", parent) + "<version>".length();
    return pom.substring(start, pom.indexOf("</version>", start));
  }

  private static boolean onPath(String tool) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
        return true;
      }
    }
    return false;
  }

  private Result untar(int minutes, String flags, Path archive, Path into) throws Exception {
    return run(Map.of(), minutes, "tar", flags, archive.toString(), "-C", into.toString());
  }

  private Result run(Map<String, String> env, int minutes, String... command) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(command).directory(REPO.toFile());
    pb.environment().putAll(env);
    return Scripts.run(pb, minutes);
  }
}
