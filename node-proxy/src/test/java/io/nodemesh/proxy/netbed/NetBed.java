package io.nodemesh.proxy.netbed;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A multi-node test bed made of Linux network namespaces (issue 14, "A test bed with real nodes").
 *
 * <p>One namespace, the <em>wire</em>, holds a bridge: the network between the nodes, and the place
 * where a capture sees every inter-node packet. Each node is a namespace joined to that bridge by a
 * veth pair, with its own address in {@code 10.77.0.0/24}. A pod is an address of its own ({@code
 * 10.77.1.0/24}) on its node's interface, and the processes bound to it; pods of one node share
 * their node's namespace, as host-network and pod processes share a node's kernel. The host's
 * namespace is never touched: no address, no route, no rule of the host changes.
 *
 * <p>Clean-up: every name starts with {@link #PREFIX}; {@link #close} kills the processes it
 * started and deletes the namespaces (which deletes their links); a shutdown hook does the same
 * when the JVM dies in a test; and {@link #create} first removes what an earlier, killed run left
 * behind. A file lock serialises beds across JVMs, since that first sweep removes by prefix.
 */
public final class NetBed implements AutoCloseable {
  static final String PREFIX = "nmtb";
  private static final Path LOCK = Path.of(System.getProperty("java.io.tmpdir"), "nmtb.lock");

  private final String id;
  private final String wire;
  private final Path dir;
  private final FileChannel lockFile;
  private final FileLock lock;
  private final List<Node> nodes = new ArrayList<>();
  private final List<Process> processes = new ArrayList<>();
  private final Thread hook;
  private int pods;
  private boolean closed;

  /** A node: a namespace with an address on the wire. */
  public record Node(String name, String netns, String ip) {}

  /** A pod: an address of its own on its node. */
  public record Pod(Node node, String ip) {}

  private NetBed(Path dir) throws IOException {
    this.dir = dir;
    this.lockFile = FileChannel.open(LOCK, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    this.lock = lockFile.lock();
    sweep();
    this.id = Integer.toString(ThreadLocalRandom.current().nextInt(0x10000), 36);
    this.wire = PREFIX + id + "w";
    this.hook = new Thread(this::teardown, "netbed-cleanup");
    Runtime.getRuntime().addShutdownHook(hook);
    run("ip", "netns", "add", wire);
    inWire("ip", "link", "set", "lo", "up");
    inWire("ip", "link", "add", "br0", "type", "bridge");
    inWire("ip", "link", "set", "br0", "up");
  }

  /**
   * A new, empty bed; skips the test (JUnit assumption) when this machine cannot make network
   * namespaces (not root, no {@code ip}, or a container without {@code CAP_SYS_ADMIN}).
   */
  public static NetBed create(Path dir) throws IOException {
    assumeTrue(available(), "network namespaces are not available here (need root and ip netns)");
    return new NetBed(dir);
  }

  /** Whether {@code ip netns add} works here. */
  public static boolean available() {
    if (!"root".equals(System.getProperty("user.name"))) {
      return false;
    }
    String probe = PREFIX + "probe" + ProcessHandle.current().pid();
    try {
      if (exec(List.of("ip", "netns", "add", probe)).code != 0) {
        return false;
      }
      exec(List.of("ip", "netns", "del", probe));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Adds a node: namespace, veth pair to the wire's bridge, address {@code 10.77.0.(10+n)}. */
  public Node addNode(String name) {
    int n = nodes.size();
    String netns = PREFIX + id + "n" + n;
    String ip = "10.77.0." + (10 + n);
    run("ip", "netns", "add", netns);
    String wireEnd = "v" + n;
    inWire("ip", "link", "add", wireEnd, "type", "veth", "peer", "name", "eth0", "netns", netns);
    inWire("ip", "link", "set", wireEnd, "master", "br0");
    inWire("ip", "link", "set", wireEnd, "up");
    run("ip", "netns", "exec", netns, "ip", "link", "set", "lo", "up");
    run("ip", "netns", "exec", netns, "ip", "addr", "add", ip + "/16", "dev", "eth0");
    run("ip", "netns", "exec", netns, "ip", "link", "set", "eth0", "up");
    // Service ClusterIPs (10.96.0.0/12) have no interface; a route lets the DNAT rule see them.
    run("ip", "netns", "exec", netns, "ip", "route", "add", "default", "dev", "eth0");
    Node node = new Node(name, netns, ip);
    nodes.add(node);
    return node;
  }

  /** Adds a pod address {@code 10.77.1.n} on {@code node}. */
  public Pod addPod(Node node) {
    String ip = "10.77.1." + (10 + pods++);
    run("ip", "netns", "exec", node.netns(), "ip", "addr", "add", ip + "/16", "dev", "eth0");
    return new Pod(node, ip);
  }

  /** Runs a command in {@code node}'s namespace and waits for it; fails on a non-zero exit. */
  public String exec(Node node, String... cmd) {
    List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", node.netns()));
    full.addAll(List.of(cmd));
    return run(full.toArray(String[]::new));
  }

  /** As {@link #exec}, returning the exit code and output whatever the code. */
  public Result tryExec(Node node, String... cmd) {
    List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", node.netns()));
    full.addAll(List.of(cmd));
    try {
      return exec(full);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Applies an nftables script in {@code node}'s namespace (the kube-proxy stand-in). */
  public void nft(Node node, String script) {
    Path f = dir.resolve("nft-" + node.name() + "-" + System.nanoTime() + ".nft");
    try {
      Files.writeString(f, script);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    exec(node, "nft", "-f", f.toString());
  }

  /**
   * Starts a long-running process in {@code node}'s namespace, its output in {@code name.log}; it
   * is killed by {@link #close}.
   */
  public Process start(Node node, String name, List<String> cmd) {
    List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", node.netns()));
    full.addAll(cmd);
    return startRaw(name, full);
  }

  /** Starts a capture of every packet crossing the wire's bridge (tcpdump, full packets). */
  public Capture capture(String name) {
    Path file = dir.resolve(name + ".pcap");
    Process p =
        startRaw(
            name + "-tcpdump",
            List.of(
                "ip",
                "netns",
                "exec",
                wire,
                "tcpdump",
                "-i",
                "br0",
                "--immediate-mode",
                "-U",
                "-s",
                "0",
                "-w",
                file.toString()));
    return new Capture(p, file, dir.resolve(name + "-tcpdump.log"));
  }

  /** A running capture; {@link #stop} ends it and returns the captured bytes. */
  public static final class Capture {
    private final Process process;
    private final Path file;
    private final Path log;

    Capture(Process process, Path file, Path log) {
      this.process = process;
      this.file = file;
      this.log = log;
    }

    /** Waits until tcpdump says it listens, so no packet of the test is missed. */
    public void awaitListening() throws IOException, InterruptedException {
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (System.nanoTime() < end) {
        if (Files.exists(log) && Files.readString(log).contains("listening on")) {
          return;
        }
        if (!process.isAlive()) {
          throw new IllegalStateException("tcpdump died: " + Files.readString(log));
        }
        process.waitFor(50, TimeUnit.MILLISECONDS);
      }
      throw new IllegalStateException("tcpdump did not start");
    }

    /** Waits until the capture holds {@code marker} (a control that must be seen), or 30 s. */
    public boolean awaitSeen(String marker) throws IOException, InterruptedException {
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (System.nanoTime() < end) {
        if (new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1).contains(marker)) {
          return true;
        }
        process.waitFor(50, TimeUnit.MILLISECONDS);
      }
      return false;
    }

    public byte[] stop() throws IOException, InterruptedException {
      process.destroy();
      process.waitFor(10, TimeUnit.SECONDS);
      return Files.readAllBytes(file);
    }
  }

  private Process startRaw(String name, List<String> cmd) {
    try {
      Process p =
          new ProcessBuilder(cmd)
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve(name + ".log").toFile())
              .start();
      synchronized (this) {
        processes.add(p);
      }
      return p;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The output file of a process started under {@code name}. */
  public Path log(String name) {
    return dir.resolve(name + ".log");
  }

  public List<Node> nodes() {
    return List.copyOf(nodes);
  }

  @Override
  public void close() {
    teardown();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // The JVM is shutting down: the hook runs (or ran) teardown itself.
    }
  }

  private synchronized void teardown() {
    if (closed) {
      return;
    }
    closed = true;
    for (Process p : processes) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
    for (Process p : processes) {
      try {
        p.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    sweep();
    try {
      lock.release();
      lockFile.close();
    } catch (IOException e) {
      // The lock goes with the process anyway.
    }
  }

  /** Deletes every namespace and host link whose name starts with {@link #PREFIX}. */
  static void sweep() {
    try {
      for (String line : exec(List.of("ip", "netns", "list")).out.split("\n")) {
        String name = line.split(" ")[0].trim();
        if (name.startsWith(PREFIX)) {
          exec(List.of("ip", "netns", "del", name));
        }
      }
      for (String line : exec(List.of("ip", "-o", "link", "show")).out.split("\n")) {
        String[] f = line.split(": ");
        if (f.length > 1) {
          String name = f[1].split("@")[0];
          if (name.startsWith(PREFIX)) {
            exec(List.of("ip", "link", "del", name));
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void inWire(String... cmd) {
    List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", wire));
    full.addAll(List.of(cmd));
    run(full.toArray(String[]::new));
  }

  private static String run(String... cmd) {
    try {
      Result r = exec(List.of(cmd));
      if (r.code != 0) {
        throw new IllegalStateException(String.join(" ", cmd) + " failed: " + r.out);
      }
      return r.out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Exit code and merged output of a finished command. */
  public record Result(int code, String out) {}

  private static Result exec(List<String> cmd) throws IOException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException(String.join(" ", cmd) + " did not finish");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    return new Result(p.exitValue(), out);
  }
}
