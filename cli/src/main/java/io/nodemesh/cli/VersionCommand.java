package io.nodemesh.cli;

import io.nodemesh.config.BuildInfo;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code nodemesh version}: the build's version, the source revision it was built from and the Java
 * runtime running it. The runtime matters because the image brings its own (jlinked) one, and a bug
 * report from {@code kubectl nodemesh} on a laptop runs on whatever Java is there.
 */
@Command(
    name = "version",
    mixinStandardHelpOptions = true,
    description = "Print the version, the source revision and the Java runtime.")
final class VersionCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** The lines {@code version} and {@code --version} print. */
  static List<String> lines() {
    BuildInfo build = BuildInfo.current();
    return List.of(
        "nodemesh " + build.version(),
        "revision: " + build.revision(),
        "java: "
            + build.java()
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
