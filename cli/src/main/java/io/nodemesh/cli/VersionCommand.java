package io.nodemesh.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code nodemesh version}: the build's version, the source revision it was built from and the
 * Java runtime running it. The runtime matters because the image brings its own (jlinked) one, and
 * a bug report from {@code kubectl nodemesh} on a laptop runs on whatever Java is there.
 */
@Command(
    name = "version",
    mixinStandardHelpOptions = true,
    description = "Print the version, the source revision and the Java runtime.")
final class VersionCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** What the build wrote into nodemesh-version.properties (cli/pom.xml filters it). */
  record Build(String version, String revision) {
    static Build current() {
      Properties p = new Properties();
      try (InputStream in =
          VersionCommand.class.getResourceAsStream("/nodemesh-version.properties")) {
        if (in != null) {
          p.load(in);
        }
      } catch (IOException e) {
        // An unreadable resource is the same as a missing one: nothing known.
      }
      return new Build(known(p.getProperty("version")), known(p.getProperty("revision")));
    }

    /** An unfiltered placeholder (a build that skipped resource filtering) is not a value. */
    private static String known(String value) {
      return value == null || value.isBlank() || value.startsWith("${") ? "unknown" : value;
    }
  }

  /** The lines {@code version} and {@code --version} print. */
  static List<String> lines() {
    Build build = Build.current();
    return List.of(
        "nodemesh " + build.version(),
        "revision: " + build.revision(),
        "java: "
            + Runtime.version()
            + " ("
            + System.getProperty("java.vendor", "unknown vendor")
            + ", "
            + System.getProperty("os.name", "?")
            + "/"
            + System.getProperty("os.arch", "?")
            + ")");
  }

  @Override
  public void run() {
    lines().forEach(spec.commandLine().getOut()::println);
  }

  /** Lets {@code nodemesh --version} print the same lines. */
  static final class Provider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return lines().toArray(String[]::new);
    }
  }
}
